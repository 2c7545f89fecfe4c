// The API as a TypeScript client developer meets it: the types openapi-typescript generates from the committed contracts
// (libs/contracts/*.json) and openapi-fetch, against the running platform through the edge. Two people register by
// e-mail and sign in, an administrator makes one an author, the author uploads a document and publishes a course that
// has it, the other enrols and downloads it, and the two chat with an attachment. No casts, no hand-written request or
// answer types: what compiles under tsc --strict is what the contracts promise. The plain fetches are the PUT of the bytes
// to the presigned storage URL, the download from it and the mailbox of the SMTP sink (maildev): none is Campus's API.
//
// Run by tests/e2e/clients/run.sh (GeneratedClientTests); environment: CAMPUS_EDGE_URL, CAMPUS_MAILDEV_URL,
// CAMPUS_ADMIN_TOKEN (the bootstrap administrator's access token). Prints one `ok` line per step; exits 1 on a failure.
import createClient from "openapi-fetch";
import type { paths as AuthPaths } from "./auth.js";
import type { paths as ContentPaths } from "./content.js";
import type { paths as ChatPaths } from "./chat.js";

const edge = required("CAMPUS_EDGE_URL").replace(/\/$/, "");
const maildev = required("CAMPUS_MAILDEV_URL").replace(/\/$/, "");
const adminToken = required("CAMPUS_ADMIN_TOKEN");

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

/** The answer's data, or a failure naming the request, the status and the problem's code. */
async function ok<T, E>(what: string, call: Promise<{ data?: T; error?: E; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (data === undefined || error !== undefined) {
    throw new Error(`${what}: ${response.status} ${JSON.stringify(error)}`);
  }
  return data;
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`not as expected: ${what}`);
  console.log(`ok  ${what}`);
}

const clients = (token?: string) => {
  const headers = token ? { Authorization: `Bearer ${token}` } : undefined;
  return {
    auth: createClient<AuthPaths>({ baseUrl: edge, headers }),
    content: createClient<ContentPaths>({ baseUrl: edge, headers }),
    chat: createClient<ChatPaths>({ baseUrl: edge, headers }),
  };
};

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The confirmation link's token from the newest mail to `to` in maildev (its REST API), waited for up to 20 s. */
async function confirmationToken(to: string): Promise<string> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const mails: unknown = await (await fetch(`${maildev}/api/email`)).json();
    const text = Array.isArray(mails)
      ? mails.map((mail) => JSON.stringify(mail)).filter((mail) => mail.includes(to) && mail.includes("confirm-email")).join("\n")
      : "";
    const match = /confirm-email\?token=([A-Za-z0-9_\-%.~]+)/.exec(text);
    if (match) return decodeURIComponent(match[1]);
    await delay(200);
  }
  throw new Error(`no confirmation mail to ${to} in maildev`);
}

/** Registers by e-mail, confirms with the mailed link's token, signs in: the token answer. */
async function signUp(name: string) {
  const email = `${name}-${crypto.randomUUID().slice(0, 8)}@client.example.org`;
  const password = "Quartz-Harbor-Lantern-7391";
  const { auth } = clients();
  const registered = await ok("register", auth.POST("/api/auth/email/register", { body: { email, password } }));
  const confirmed = await auth.POST("/api/auth/email/confirm", { body: { token: await confirmationToken(registered.email) } });
  if (confirmed.response.status !== 204) throw new Error(`confirm: ${confirmed.response.status}`);
  return ok("login", auth.POST("/api/auth/email/login", { body: { email, password } }));
}

/** PUT the bytes to the presigned URL with exactly the headers the upload answer names. */
async function put(upload: { upload_url: string; headers: { [name: string]: string } }, bytes: Uint8Array<ArrayBuffer>) {
  const stored = await fetch(upload.upload_url, { method: "PUT", headers: upload.headers, body: bytes });
  if (!stored.ok) throw new Error(`PUT to the presigned URL: ${stored.status}`);
}

const [authorSignIn, student] = await Promise.all([signUp("author"), signUp("student")]);
check(authorSignIn.user.email !== null && student.user.id !== authorSignIn.user.id && authorSignIn.access_token.length > 0,
  "two people registered by e-mail and signed in");

const admin = clients(adminToken);
const granted = await ok("set roles", admin.auth.PUT("/api/auth/users/{id}/roles", {
  params: { path: { id: authorSignIn.user.id } }, body: { roles: ["author"] },
}));
const author = await ok("refresh", clients().auth.POST("/api/auth/token/refresh", { body: { refresh_token: authorSignIn.refresh_token } }));
check(granted.roles.includes("author") && author.user.roles.includes("author"), "an administrator made one an author");

const authorApi = clients(author.access_token);
const pdf = new TextEncoder().encode("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n");
const upload = await ok("document upload-url", authorApi.content.POST("/api/content/documents/upload-url", {
  body: { file_name: "syllabus.pdf", content_type: "application/pdf", size_bytes: pdf.length },
}));
await put(upload, pdf);
const document = await ok("document complete", authorApi.content.POST("/api/content/documents/{id}/complete", {
  params: { path: { id: upload.id } },
}));
check(document.status === "ready" && document.file_name === "syllabus.pdf" && document.size_bytes === pdf.length,
  "the author uploaded a document (upload-url, PUT, complete)");

const title = `TS client course ${crypto.randomUUID().slice(0, 8)}`;
const course = await ok("create course", authorApi.content.POST("/api/content/courses", { body: { title, description: "Made by a TypeScript client" } }));
const section = await ok("create section", authorApi.content.POST("/api/content/courses/{id}/sections", {
  params: { path: { id: course.id } }, body: { title: "Week 1" },
}));
await ok("create material", authorApi.content.POST("/api/content/sections/{id}/materials", {
  params: { path: { id: section.id } }, body: { kind: "document", title: "Syllabus", document_id: document.id },
}));
const published = await ok("publish", authorApi.content.POST("/api/content/courses/{id}/publish", { params: { path: { id: course.id } } }));
check(published.status === "published", "the author published a course with the document");

const learnerApi = clients(student.access_token);
const seen = await ok("get course", learnerApi.content.GET("/api/content/courses/{id}", { params: { path: { id: course.id } } }));
await ok("enrol", learnerApi.content.POST("/api/content/courses/{id}/enrolment", { params: { path: { id: course.id } } }));
const link = await ok("download link", learnerApi.content.GET("/api/content/documents/{id}/download", {
  params: { path: { id: document.id }, query: { redirect: false } },
}));
const downloaded = new Uint8Array(await (await fetch(link.url)).arrayBuffer());
check(seen.title === title && seen.sections[0]?.materials[0]?.kind === "document"
  && Buffer.from(downloaded).equals(Buffer.from(pdf)), "the other enrolled and downloaded the very bytes");

// Chat learns new users from auth's events: a user registered a moment ago may still be unknown to it (422).
let chat: Awaited<ReturnType<typeof createChat>> | undefined;
async function createChat() {
  return authorApi.chat.POST("/api/chat/chats", { body: { type: "group", title, participant_ids: [student.user.id] } });
}
for (let attempt = 0; attempt < 50 && !chat; attempt++) {
  const created = await createChat();
  if (created.data) chat = created;
  else if (created.response.status === 422 && created.error?.code === "unknown_users") await delay(200);
  else throw new Error(`create chat: ${created.response.status} ${JSON.stringify(created.error)}`);
}
if (!chat?.data) throw new Error("chat did not learn the new users from auth's events within 10 s");
const chatId = chat.data.id;
await ok("accept", learnerApi.chat.POST("/api/chat/chats/{id}/invitation/accept", { params: { path: { id: chatId } } }));

const note = new TextEncoder().encode("reading list: chapters 1-3\n");
const attachment = await ok("attachment upload-url", authorApi.chat.POST("/api/chat/chats/{id}/attachments/upload-url", {
  params: { path: { id: chatId } }, body: { file_name: "reading.txt", content_type: "text/plain", size_bytes: note.length },
}));
await put(attachment, note);
const attached = await ok("attachment complete", authorApi.chat.POST("/api/chat/chats/{id}/attachments/{attachment_id}/complete", {
  params: { path: { id: chatId, attachment_id: attachment.id } },
}));
const posted = await ok("post", authorApi.chat.POST("/api/chat/chats/{id}/messages", {
  params: { path: { id: chatId } },
  body: { body: "Welcome to the course", client_msg_id: crypto.randomUUID(), attachment_ids: [attached.id] },
}));
const page = await ok("list messages", learnerApi.chat.GET("/api/chat/chats/{id}/messages", { params: { path: { id: chatId } } }));
const message = page.items.find((m) => m.seq === posted.seq);
check(message?.body === "Welcome to the course" && message.author_id === author.user.id
  && message.attachments[0]?.file_name === "reading.txt" && message.attachments[0]?.size_bytes === note.length,
  "the two chatted: a message with an attachment, read back by the other");
