/** One Connect CA root as stored (Consul's CARoot, minus what is derived on read). */
export interface CARootRecord {
  ID: string;
  Name: string;
  SerialNumber: number;
  SigningKeyID: string;
  NotBefore: string;
  NotAfter: string;
  RootCert: string;
  /**
   * Certificates to send with every leaf this root signs, in chain order. After a rotation the new root carries
   * the cross-signed copy of itself (signed by the previous root), so peers that trust only the old root accept
   * new leaves. Absent (rendered `null`) for the built-in provider's first root.
   */
  IntermediateCerts?: string[];
  Active: boolean;
  /**
   * When the root stopped being the active one (RFC 3339), set by a rotation. Not rendered (`json:"-"` in Consul);
   * the CA prunes an inactive root once every leaf it signed has expired.
   */
  RotatedOutAt?: string;
  PrivateKeyType: string;
  PrivateKeyBits: number;
  CreateIndex: number;
  ModifyIndex: number;
}

/**
 * The Connect CA configuration as stored and rendered by `GET /v1/connect/ca/configuration` (Consul's
 * `structs.CAConfiguration`; `ClusterID` is `json:"-"` there and lives in the system table here). `Config` holds
 * the provider's keys under their canonical CamelCase names, as the operator gave them (defaults are not filled
 * in, as Consul stores them).
 */
export interface CAConfigRecord {
  Provider: string;
  Config: Record<string, unknown>;
  /** Provider state; always empty for the built-in provider (it keeps its key in the CA table). */
  State: Record<string, string> | null;
  ForceWithoutCrossSigning: boolean;
  CreateIndex: number;
  ModifyIndex: number;
}
