/** The NOLOGIN role that tenant work runs as; the runtime login is a member of it (see README). */
export const RUNTIME_ROLE = "ferry_app";
