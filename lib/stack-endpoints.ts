/**
 * How the harness, on the host, reaches a running stack's servers: the contract between the
 * stack (containers/) and everything that talks to it (seeding, collectors, tests).
 */
/** Connection details of one physical shard as the harness (on the host) reaches it. */
export interface ShardEndpoint {
  index: number;
  /** pgbouncer, mapped to 127.0.0.1. */
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export interface ObjectStoreEndpoint {
  /** http://127.0.0.1:<mapped port> */
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  verifiesSignatures: boolean;
}
