-- The log only carries messages: the registry keeps every version and acknowledgement in its own
-- tables, so dropping it loses nothing that cannot be sent again.
DROP TABLE config_transport_messages;
