export { createTessera, type Tessera, type TesseraOptions, type CacheSetting } from './client.ts';
export { TesseraError, isTesseraError, type TesseraErrorCode } from './errors.ts';
export type { ChurnClient } from './churn.ts';
export type { IdentityQuery, ProfileSnapshot, ProfilesClient, RequestOptions, Subscription } from './profiles.ts';
export type { Backend, ChannelLike, RpcResponse, SupabaseClientLike } from './backend.ts';
export * from './schemas/index.ts';
