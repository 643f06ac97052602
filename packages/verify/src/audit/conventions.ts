/**
 * Knowledge shared by the checks of every format: which names hold secrets, which credentials are
 * well-known defaults, which ports belong to databases, caches and admin consoles, how an image
 * reference is spelled.
 */

/** Names that carry a secret value. `_FILE` / `_PATH` variants point at a secret, they are not one. */
const SECRET_NAME =
  /(^|_)(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CLIENT_?SECRET|CREDENTIALS?)($|_)/i;
const POINTER_SUFFIX =
  /_(FILE|PATH|DIR|TTL|TIMEOUT|HEADER|ISSUER|AUDIENCE|ALGORITHM|LENGTH|ENABLED|URL|NAME|ID|COOKIE)$/i;
const PASSWORD_NAME = /(PASSWORD|PASSWD|_PASS$|^PASS$|SECRET)/i;
const CREDENTIAL_IN_URL = /^[a-z][a-z0-9+.-]*:\/\/[^:/@\s]+:([^@\s]+)@/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name) && !POINTER_SUFFIX.test(name);
}

/** A value that is plainly not a secret: empty, a boolean, a reference to another variable. */
function isPlaceholder(value: string): boolean {
  return value === '' || /^(true|false|yes|no)$/i.test(value) || /^\$[({]?[A-Za-z_]/.test(value);
}

/** Why `name=value` is a secret written as a literal, or undefined when it is not. */
export function secretLiteral(name: string, value: string): string | undefined {
  const url = CREDENTIAL_IN_URL.exec(value);
  if (url && !isPlaceholder(url[1] ?? '')) return `${name} embeds a password in a URL`;
  if (isSecretName(name) && !isPlaceholder(value)) return `${name} is set to a literal value`;
  return undefined;
}

const WEAK_PASSWORDS = new Set([
  'postgres',
  'password',
  'passw0rd',
  'p@ssw0rd',
  'admin',
  'administrator',
  'root',
  'changeme',
  'change-me',
  'changeit',
  'secret',
  '123456',
  '12345678',
  '123456789',
  'qwerty',
  'letmein',
  'example',
  'test',
  'guest',
  'minioadmin',
  'default',
  'pass',
  'mysql',
  'redis',
  'rabbitmq',
  'mongo',
  'elastic',
  'user',
  'demo',
  'dev',
]);

/** Why `name=value` is a default or weak credential, or undefined when it is not. */
export function weakCredential(name: string, value: string): string | undefined {
  const upper = name.toUpperCase();
  const lower = value.trim().toLowerCase();
  if (upper.endsWith('HOST_AUTH_METHOD') && lower === 'trust') {
    return `${name}: trust lets anyone connect without a password`;
  }
  if (/ALLOW_EMPTY_PASSWORD$/.test(upper) && /^(1|yes|true)$/.test(lower)) {
    return `${name} allows an empty password`;
  }
  if (PASSWORD_NAME.test(upper) && !POINTER_SUFFIX.test(upper)) {
    if (lower === '') return `${name} is empty`;
    if (WEAK_PASSWORDS.has(lower)) return `${name} is the well-known default "${value}"`;
  }
  const url = CREDENTIAL_IN_URL.exec(value);
  if (url && WEAK_PASSWORDS.has((url[1] ?? '').toLowerCase())) {
    return `${name} uses the well-known password "${url[1]}"`;
  }
  return undefined;
}

/** Ports of databases, caches, brokers and admin APIs that must never face every interface. */
export const SENSITIVE_PORTS: ReadonlyMap<number, string> = new Map([
  [5432, 'PostgreSQL'],
  [3306, 'MySQL'],
  [1433, 'SQL Server'],
  [1521, 'Oracle'],
  [27017, 'MongoDB'],
  [6379, 'Redis'],
  [11211, 'Memcached'],
  [9200, 'Elasticsearch'],
  [9300, 'Elasticsearch transport'],
  [5984, 'CouchDB'],
  [9042, 'Cassandra'],
  [8086, 'InfluxDB'],
  [2379, 'etcd'],
  [2380, 'etcd peer'],
  [5672, 'AMQP'],
  [15672, 'RabbitMQ management'],
  [4222, 'NATS'],
  [8222, 'NATS monitoring'],
  [9092, 'Kafka'],
  [2181, 'ZooKeeper'],
  [2375, 'Docker API'],
  [2376, 'Docker API (TLS)'],
  [10250, 'kubelet API'],
  [8500, 'Consul'],
  [5050, 'pgAdmin'],
]);

export interface ImageReference {
  readonly name: string;
  readonly tag?: string;
  readonly digest?: string;
  /** Contains an unresolved variable; pinning cannot be judged. */
  readonly templated: boolean;
}

export function parseImage(reference: string): ImageReference {
  const templated = /\$\{?[A-Za-z_]/.test(reference);
  const [withoutDigest = '', digest] = reference.split('@', 2);
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  const hasTag = colon > slash;
  return {
    name: hasTag ? withoutDigest.slice(0, colon) : withoutDigest,
    tag: hasTag ? withoutDigest.slice(colon + 1) : undefined,
    digest: digest || undefined,
    templated,
  };
}

/** Why an image is not pinned by digest, or undefined when it is. */
export function unpinnedImage(reference: string): string | undefined {
  const image = parseImage(reference);
  if (image.templated || image.digest?.startsWith('sha256:')) return undefined;
  return `image ${reference} is not pinned by digest`;
}

/** Why an image floats on `latest`, or undefined when it does not. */
export function latestImage(reference: string): string | undefined {
  const image = parseImage(reference);
  if (image.templated || image.digest) return undefined;
  if (image.tag === undefined) return `image ${reference} has no tag, so it means latest`;
  if (image.tag === 'latest') return `image ${reference} uses the latest tag`;
  return undefined;
}

/** Host paths that hand over the container runtime. */
export function isRuntimeSocket(path: string): boolean {
  return /(^|\/)(docker|containerd|crio|podman)\.sock$|^\/var\/run\/docker\/?$|^\/run\/containerd\/?$/.test(
    path.replace(/\/+$/, '') || path,
  );
}

/** `root`, `0`, `0:0`, `root:root` and the empty user all mean uid 0. */
export function isRootUser(user: string): boolean {
  const name = user.trim().split(':')[0] ?? '';
  return name === '' || name === 'root' || name === '0';
}
