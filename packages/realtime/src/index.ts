export * from "./events";
export {
  attachRealtime,
  refreshUserRooms,
  ATTACHMENTS_TABLE,
  type Authenticate,
  type AttachRealtimeOptions,
  type Realtime,
  type RealtimeAdapter,
  type RealtimeServer,
  type Revalidate,
  type SocketIdentity,
} from "./server";
export { createEmitter, type EmitterTarget, type RealtimeEmitter } from "./emitter";
