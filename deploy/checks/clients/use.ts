// A client of the generated modules (deploy/checks/60-clients.sh compiles it with them under tsc --strict): requests
// written and answers read by the names the contracts give, so a renamed field or route fails here before a client.
import type { components as Content, paths as ContentPaths } from "./content.js";
import type { components as Chat, paths as ChatPaths } from "./chat.js";
import type { components as Profile, paths as ProfilePaths } from "./profile.js";

type Body<Operation> = Operation extends { requestBody?: { content: { "application/json": infer B } } } ? B : never;
type Ok<Operation> = Operation extends { responses: { 200: { content: { "application/json": infer R } } } } ? R : never;

// One upload protocol: POST …/upload-url {file_name, content_type, size_bytes}, PUT the bytes, POST …/{id}/complete.
export const video: Body<ContentPaths["/api/content/media/upload-url"]["post"]> =
  { file_name: "intro.mp4", content_type: "video/mp4", size_bytes: 1024 };
export const document: Body<ContentPaths["/api/content/documents/upload-url"]["post"]> =
  { file_name: "notes.pdf", content_type: "application/pdf", size_bytes: 2048 };
export const attachment: Body<ChatPaths["/api/chat/chats/{id}/attachments/upload-url"]["post"]> =
  { file_name: "photo.png", content_type: "image/png", size_bytes: 100 };
export const avatar: Body<ProfilePaths["/api/profile/avatar/upload-url"]["post"]> = { content_type: "image/png", size_bytes: 100 };

export const avatarComplete = (upload: Ok<ProfilePaths["/api/profile/avatar/upload-url"]["post"]>): string =>
  `/api/profile/avatar/${upload.id}/complete`;
export const avatarUrl = (profile: Ok<ProfilePaths["/api/profile/avatar/{id}/complete"]["post"]>) => profile.avatar_url;
export const attachedBytes = (info: Chat["schemas"]["AttachmentInfo"]): number => info.size_bytes;
export const documentBytes = (info: Content["schemas"]["DocumentResponse"]): number => info.size_bytes;

// Video progress: the product's heartbeat {position, duration}; answers in *_seconds.
export const heartbeat: Body<ContentPaths["/api/content/materials/{id}/progress"]["post"]> = { position: 12.5, duration: 600 };
export const watched = (progress: Content["schemas"]["MaterialProgressResponse"]) =>
  [progress.watched_seconds, progress.duration_seconds, progress.watched_percent];
export const videoLength = (status: Content["schemas"]["MediaStatusResponse"]) => status.duration_seconds;

// The one validation problem: a code and field errors.
export const fieldErrors = (problem: Profile["schemas"]["HttpValidationProblemDetails"]) => [problem.code, problem.errors];
