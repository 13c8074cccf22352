// Reading untyped configuration data (parsed YAML/JSON) without trusting its shape.

export type Obj = Record<string, unknown>;

/** asObj: the value when it is a plain object, else {} (a wrong shape reads as "absent"). */
export const asObj = (v: unknown): Obj => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});

/** asList: the value when it is an array, else []. */
export const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
