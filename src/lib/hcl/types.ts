/** A value produced by the HCL parser: JSON-compatible, with no `null`. */
export type HclValue = string | number | boolean | HclValue[] | HclObject;

/** An HCL object or block body. */
export interface HclObject {
  [key: string]: HclValue;
}

/** A value produced by `JSON.parse`; HCL values are a subset (HCL has no `null`). */
export type JsonValue = null | string | number | boolean | JsonValue[] | JsonObject;

/** A JSON object. */
export interface JsonObject {
  [key: string]: JsonValue;
}
