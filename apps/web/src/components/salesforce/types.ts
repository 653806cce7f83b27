import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@ferry/api";

type Outputs = inferRouterOutputs<AppRouter>["salesforce"];
export type ConnectionView = Outputs["connection"];
export type FieldPreview = Outputs["previewFields"];
export type MappingsView = Outputs["mappings"];
export type ValidateResult = Outputs["validate"];
