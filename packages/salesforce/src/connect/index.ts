export * from "./errors";
export * from "./login";
export * from "./org";
export * from "./describe";
export * from "./required-fields";
export * from "./gateway";
export { installSalesforceEgressGuard, salesforceDispatcher, nonPublicRange, EgressRefusedError } from "./egress";
