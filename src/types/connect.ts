/** One Connect CA root as stored (Consul's CARoot, minus what is derived on read). */
export interface CARootRecord {
  ID: string;
  Name: string;
  SerialNumber: number;
  SigningKeyID: string;
  NotBefore: string;
  NotAfter: string;
  RootCert: string;
  Active: boolean;
  PrivateKeyType: string;
  PrivateKeyBits: number;
  CreateIndex: number;
  ModifyIndex: number;
}
