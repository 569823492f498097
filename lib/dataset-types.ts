/**
 * The shape of a generated dataset: the contract between the pure generator
 * (scenarios/workload/dataset.ts) and the loader that writes it into the stack
 * (system/data/seed-loader.ts). IDs follow system/data/ids.ts and are minted
 * deterministically from the seed, so one seed always gives the same bytes.
 */
export interface DatasetUser {
  id: bigint;
  username: string;
  logicalShard: number;
  createdAtMs: number;
}

export interface DatasetFollow {
  followerId: bigint;
  followeeId: bigint;
  createdAtMs: number;
}

export interface DatasetMedia {
  id: bigint;
  ownerId: bigint;
  /** Key of the placeholder image object in the object store. */
  objectKey: string;
  caption: string;
  createdAtMs: number;
  /**
   * Where the photo was taken (degrees), for the geotagged share of media
   * (WorkloadModel.geotaggedShare); absent for the rest.
   */
  location?: { lat: number; lng: number };
}

export interface Dataset {
  seed: number;
  logicalShards: number;
  users: DatasetUser[];
  follows: DatasetFollow[];
  media: DatasetMedia[];
}
