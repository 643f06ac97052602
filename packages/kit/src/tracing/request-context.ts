import { type Context, createContextKey } from '@opentelemetry/api';

const REQUEST_ID = createContextKey('bulwark.request_id');

/** The request id travels in the same context as the span, so any logger inside sees both. */
export function withRequestId(ctx: Context, requestId: string): Context {
  return ctx.setValue(REQUEST_ID, requestId);
}

export function currentRequestId(ctx: Context): string | undefined {
  return ctx.getValue(REQUEST_ID) as string | undefined;
}
