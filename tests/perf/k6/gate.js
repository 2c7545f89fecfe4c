// The performance gate as k6 scenarios (the GitHub runner's job; locally ./platform perf runs the C# driver
// tests/perf/PerfGate with the same scenarios). Both read tests/perf/thresholds.json: rate, p95/p99 limits and the
// highest error share of each scenario.
//
//   k6 run --local-ips 127.0.0.10 -e EDGE_URL=http://127.0.0.1:8080 -e AUTH_URL=http://127.0.0.1:8101 \
//          [-e SECONDS=20] [-e WARMUP=3] [-e ONLY=course_list,heartbeat] [-e USERS=60] tests/perf/k6/gate.js
//
// --local-ips 127.0.0.10: auth believes X-Forwarded-For (one client address per sign-in here) only from the
// gateway's address; from 127.0.0.1 every sign-in is one source and auth's per-source limit stops the run.
// Scenarios run one after another: each first as "<name>_warmup" (not judged), then as "<name>" for SECONDS; a
// constant-arrival-rate executor (open loop) at the file's rate. Every judged request is tagged gate=<name>, and the
// thresholds are p(95) and p(99) of http_req_duration{gate:<name>} and the rate of http_req_failed{gate:<name>};
// the chat fan-out and the report are judged on their own trends (chat_fanout_ms, report_ready_ms).
import http from 'k6/http';
import ws from 'k6/ws';
import exec from 'k6/execution';
import { sleep } from 'k6';
import { Trend, Rate } from 'k6/metrics';

const file = JSON.parse(open('../thresholds.json'));
const SECONDS = Number(__ENV.SECONDS || file.seconds);
const WARMUP = Number(__ENV.WARMUP || file.warmup_seconds);
const ONLY = (__ENV.ONLY || '').split(',').filter((s) => s.length > 0);
const EDGE = __ENV.EDGE_URL || 'http://127.0.0.1:8080';
const AUTH = __ENV.AUTH_URL || 'http://127.0.0.1:8101';
const USERS = Number(__ENV.USERS || 60);
const ADMIN_PHONE = __ENV.ADMIN_PHONE || '+79000000000';
const VIDEOS = 5;
const TEXT_COURSES = 5;
const MESSAGE_CHATS = 10;
const RUN = Math.floor(Math.random() * 9000) + 1000;

const fanoutMs = new Trend('chat_fanout_ms', true);
const fanoutFailed = new Rate('chat_fanout_failed');
const reportMs = new Trend('report_ready_ms', true);
const reportFailed = new Rate('report_ready_failed');

const wanted = Object.keys(file.scenarios).filter((name) => ONLY.length === 0 || ONLY.includes(name));
const limit = (name) => file.scenarios[name];

// ---- options: the scenarios one after another, each warm-up then measured ----
function buildOptions() {
  const scenarios = {};
  const thresholds = {};
  let start = 0;
  for (const name of wanted) {
    const s = limit(name);
    const vus = Math.max(10, Math.ceil(s.rate * 0.5));
    const arrival = (duration, gate) => ({
      executor: 'constant-arrival-rate',
      exec: name === 'chat_fanout' ? 'chat_fanout_post' : name,
      // k6 wants an integer rate: a rate below 1 is counted per minute
      rate: s.rate >= 1 ? Math.round(s.rate) : Math.round(s.rate * 60),
      timeUnit: s.rate >= 1 ? '1s' : '1m',
      duration: `${duration}s`,
      preAllocatedVUs: vus,
      maxVUs: Math.max(vus * 4, 20),
      startTime: `${start}s`,
      tags: { gate },
      gracefulStop: '10s',
    });
    const warmup = name === 'report_ready' ? 0 : WARMUP;
    if (name === 'chat_fanout') {
      scenarios.chat_fanout_listeners = {
        executor: 'per-vu-iterations', exec: 'chat_fanout_listen', vus: s.sockets || 100, iterations: 1,
        startTime: `${start}s`, maxDuration: `${warmup + SECONDS + 20}s`, tags: { gate: 'chat_fanout_listeners' },
      };
      start += 3; // the sockets open before the first post
    }
    if (warmup > 0) {
      scenarios[`${name}_warmup`] = arrival(warmup, `${name}_warmup`);
      start += warmup;
    }
    scenarios[name] = arrival(SECONDS, name);
    start += SECONDS + (name === 'report_ready' ? 30 : 2);
    const latency = [`p(95)<${s.p95_ms}`, `p(99)<${s.p99_ms}`];
    if (name === 'chat_fanout') {
      thresholds.chat_fanout_ms = latency;
      thresholds.chat_fanout_failed = [`rate<${s.max_error_rate}`];
    } else if (name === 'report_ready') {
      thresholds.report_ready_ms = latency;
      thresholds.report_ready_failed = [`rate<${s.max_error_rate}`];
    } else {
      thresholds[`http_req_duration{gate:${name}}`] = latency;
      thresholds[`http_req_failed{gate:${name}}`] = [`rate<${s.max_error_rate}`];
    }
    if (name === 'chat_fanout') {
      start += 8; // the listeners drain and close
    }
  }
  return {
    scenarios,
    thresholds,
    setupTimeout: '300s',
    summaryTrendStats: ['avg', 'med', 'p(95)', 'p(99)', 'max'],
  };
}
export const options = buildOptions();

// ---- helpers ----
// Phones +79 <kind> <run % 100> <VU> <counter>: unique across VUs (each VU has its own counter) and runs.
let phoneCounter = 0;
const pad = (n, width) => String(n % 10 ** width).padStart(width, '0');
const vuId = () => {
  try {
    return exec.vu.idInTest;
  } catch (e) {
    return 0; // setup()
  }
};
const nextPhone = (kind) => `+79${kind}${pad(RUN, 2)}${pad(vuId(), 3)}${pad(++phoneCounter, 3)}`;
let ipCounter = 0;
const nextIp = () => {
  const n = ++ipCounter + vuId() * 1000;
  return `10.${RUN % 200}.${Math.floor(n / 250) % 250}.${(n % 250) + 1}`;
};
const json = () => ({ 'Content-Type': 'application/json' });
const bearer = (token, extra) => Object.assign({ Authorization: `Bearer ${token}` }, extra || {});
const params = (token, gate, body) => ({
  headers: bearer(token, body ? json() : {}),
  tags: gate ? { gate } : {},
  timeout: '10s',
});
const scenarioGate = () => exec.scenario.name; // "<name>" or "<name>_warmup": the tag the thresholds select

function sendCode(phone, ip) {
  for (let attempt = 1; ; attempt++) {
    const r = http.post(`${AUTH}/api/auth/phone/send-code`, JSON.stringify({ phone }),
      { headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': ip }, tags: { gate: 'setup' } });
    if (r.status === 429 && attempt < 4) {
      sleep(Number(r.headers['Retry-After'] || 10) + 0.2);
      continue;
    }
    if (r.status >= 300) throw new Error(`send-code ${phone}: ${r.status} ${r.body}`);
    return;
  }
}
function latestCode(phone) {
  const r = http.get(`${AUTH}/api/auth/dev/sms-outbox?phone=${encodeURIComponent(phone)}`, { tags: { gate: 'setup' } });
  return /\b\d{4,8}\b/.exec(r.json()[0].text)[0];
}
function verify(phone, code, ip, gate) {
  return http.post(`${AUTH}/api/auth/phone/verify`, JSON.stringify({ phone, code }),
    { headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': ip }, tags: { gate }, timeout: '10s' });
}
function signIn(phone) {
  const ip = nextIp();
  sendCode(phone, ip);
  const r = verify(phone, latestCode(phone), ip, 'setup');
  if (r.status !== 200) throw new Error(`verify ${phone}: ${r.status} ${r.body}`);
  const body = r.json();
  const payload = JSON.parse(b64urlDecode(body.access_token.split('.')[1]));
  return { id: payload.sub, access: body.access_token, refresh: body.refresh_token };
}
function b64urlDecode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const ch of text) {
    value = (value << 6) | alphabet.indexOf(ch);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += String.fromCharCode((value >> bits) & 0xff);
    }
  }
  return out;
}
// Set-up requests are retried while the gateway's per-user limit or a service's view of a new user catches up.
function must(method, token, path, body, expected) {
  for (let attempt = 1; ; attempt++) {
    const r = http.request(method, `${EDGE}${path}`, body === null ? null : JSON.stringify(body),
      { headers: bearer(token, body === null ? {} : json()), tags: { gate: 'setup' }, timeout: '30s' });
    if (r.status === expected) return r.body ? r.json() : null;
    if ((r.status === 429 || r.status === 422) && attempt < 50) {
      sleep(0.2);
      continue;
    }
    throw new Error(`${method} ${path}: ${r.status}, not ${expected}: ${r.body}`);
  }
}
function createCourse(token, title, videos) {
  const course = must('POST', token, '/api/content/courses', { title }, 201).id;
  const section = must('POST', token, `/api/content/courses/${course}/sections`, { title: 'Part 1' }, 201).id;
  const materials = [];
  for (let v = 0; v < Math.max(1, videos); v++) {
    let material;
    if (videos > 0) {
      const upload = must('POST', token, '/api/content/media/upload-url', { file_name: 'gate.mp4', content_type: 'video/mp4', size_bytes: 1024 }, 200);
      material = { kind: 'video', title: `Lecture ${v}`, media_id: upload.id };
    } else {
      material = { kind: 'text', title: 'Reading', body: 'Read me.' };
    }
    materials.push(must('POST', token, `/api/content/sections/${section}/materials`, material, 201).id);
  }
  must('POST', token, `/api/content/courses/${course}/publish`, null, 200);
  return { id: course, materials };
}
function batch(items, request, expected) {
  for (let i = 0; i < items.length; i += 16) {
    const answers = http.batch(items.slice(i, i + 16).map(request));
    answers.forEach((r, j) => {
      if (r.status !== expected) throw new Error(`set-up batch item ${i + j}: ${r.status} ${r.body}`);
    });
  }
}
function createChat(owner, members, title) {
  const chat = must('POST', owner.access, '/api/chat/chats',
    { type: 'group', title, participant_ids: members.map((m) => m.id) }, 201).id;
  batch(members, (m) => ['POST', `${EDGE}/api/chat/chats/${chat}/invitation/accept`, null,
    { headers: bearer(m.access), tags: { gate: 'setup' } }], 200);
  return chat;
}

// ---- set-up: users, courses with enrolments, chats (once, before every scenario) ----
export function setup() {
  const admin = signIn(ADMIN_PHONE);
  const users = [];
  for (let i = 0; i < USERS; i++) users.push(signIn(nextPhone('1')));
  const data = { admin, users };
  if (wanted.some((n) => ['course_list', 'my_learning', 'heartbeat'].includes(n))) {
    const video = createCourse(admin.access, `k6 gate video ${RUN}`, VIDEOS);
    const courses = [video.id];
    for (let i = 0; i < TEXT_COURSES; i++) courses.push(createCourse(admin.access, `k6 gate reading ${RUN} #${i}`, 0).id);
    const pairs = [];
    users.forEach((u) => courses.forEach((c) => pairs.push([u, c])));
    batch(pairs, ([u, c]) => ['POST', `${EDGE}/api/content/courses/${c}/enrolment`, null,
      { headers: bearer(u.access), tags: { gate: 'setup' } }], 201);
    data.videos = video.materials;
  }
  if (wanted.includes('post_message') || wanted.includes('chat_fanout')) {
    // Posts go to MESSAGE_CHATS group chats (user i in chat i % MESSAGE_CHATS): a chat numbers its messages one
    // after another, so one chat takes its posts one at a time; traffic spread over chats is what a platform sees.
    data.messageChats = [];
    for (let g = 0; g < MESSAGE_CHATS; g++) {
      const group = users.filter((_, i) => i % MESSAGE_CHATS === g);
      data.messageChats.push(createChat(group[0], group.slice(1), `k6 gate ${RUN} messages ${g}`));
    }
    data.fanoutChat = createChat(users[0], users.slice(1), `k6 gate ${RUN} fan-out`);
  }
  if (wanted.includes('profile')) {
    // A new user's profile is made from auth's event: wait until the last one answers.
    for (let i = 0; http.get(`${EDGE}/api/profile`, { headers: bearer(users[USERS - 1].access) }).status !== 200; i++) {
      if (i > 150) throw new Error('GET /api/profile of a new user: not 200 after 30 s');
      sleep(0.2);
    }
  }
  return data;
}

// ---- scenarios (each VU of a scenario runs one iteration at a time) ----
const iteration = () => exec.scenario.iterationInTest;
const reader = (data) => data.users[iteration() % data.users.length];

export function sign_in() {
  // The code request and the outbox read are not judged (tagged setup); the verification is.
  const phone = nextPhone('3');
  const ip = nextIp();
  sendCode(phone, ip);
  verify(phone, latestCode(phone), nextIp(), scenarioGate());
}

// A VU is one client with its own chain, signed in on its first iteration (that sign-in is not judged); a VU runs one
// iteration at a time, so a chain never refreshes twice at once.
let chain = null;
export function token_refresh() {
  if (chain === null) chain = signIn(nextPhone('2')).refresh;
  const r = http.post(`${AUTH}/api/auth/token/refresh`, JSON.stringify({ refresh_token: chain }),
    { headers: { 'Content-Type': 'application/json' }, tags: { gate: scenarioGate() }, timeout: '10s' });
  if (r.status === 200) chain = r.json().refresh_token;
}

export function profile(data) {
  http.get(`${EDGE}/api/profile`, params(reader(data).access, scenarioGate()));
}
export function course_list(data) {
  http.get(`${EDGE}/api/content/courses`, params(reader(data).access, scenarioGate()));
}
export function my_learning(data) {
  http.get(`${EDGE}/api/content/me/learning`, params(reader(data).access, scenarioGate()));
}

// Watchers = users × videos, each its own progress row; the position advances as fast as time. The measured scenario
// continues the warm-up's sequence.
export function heartbeat(data) {
  const rate = limit('heartbeat').rate;
  const watchers = data.users.length * VIDEOS;
  const n = iteration() + (exec.scenario.name === 'heartbeat' ? Math.round(rate * WARMUP) : 0);
  const w = n % watchers;
  const position = Math.round((Math.floor(n / watchers) * watchers / rate) * 1000) / 1000;
  http.post(`${EDGE}/api/content/materials/${data.videos[w % VIDEOS]}/progress`,
    JSON.stringify({ position, duration: 3600 }),
    params(data.users[Math.floor(w / VIDEOS)].access, scenarioGate(), true));
}

export function post_message(data) {
  const n = iteration();
  const sender = n % data.users.length;
  http.post(`${EDGE}/api/chat/chats/${data.messageChats[sender % MESSAGE_CHATS]}/messages`,
    JSON.stringify({ body: `k6 gate message ${n}`, client_msg_id: `${RUN}-${exec.scenario.name}-${n}` }),
    params(data.users[sender].access, scenarioGate(), true));
}

// Fan-out: the body carries the send time (same machine, same clock) and whether the post is judged.
export function chat_fanout_post(data) {
  const n = iteration();
  const judged = exec.scenario.name === 'chat_fanout' ? 1 : 0;
  const r = http.post(`${EDGE}/api/chat/chats/${data.fanoutChat}/messages`,
    JSON.stringify({ body: `k6 fanout ${Date.now()} ${judged}`, client_msg_id: `${RUN}-${exec.scenario.name}-${n}` }),
    params(data.users[n % data.users.length].access, scenarioGate(), true));
  if (judged && r.status >= 300) fanoutFailed.add(1);
}
export function chat_fanout_listen(data) {
  const user = data.users[(exec.vu.idInInstance - 1) % data.users.length];
  const url = `${EDGE.replace(/^http/, 'ws')}/ws/chats/${data.fanoutChat}`;
  const open = (WARMUP + SECONDS + 8) * 1000;
  const res = ws.connect(url, { headers: { Authorization: `Bearer ${user.access}`, 'Sec-WebSocket-Protocol': 'campus.v1' } }, (socket) => {
    socket.on('message', (text) => {
      const frame = JSON.parse(text);
      if (frame.type !== 'message.created' || !frame.message || typeof frame.message.body !== 'string') return;
      const parts = frame.message.body.split(' ');
      if (parts[0] !== 'k6' || parts[1] !== 'fanout' || parts[3] !== '1') return;
      fanoutMs.add(Date.now() - Number(parts[2]));
      fanoutFailed.add(0);
    });
    socket.setTimeout(() => socket.close(), open);
  });
  if (!res || res.status !== 101) fanoutFailed.add(1);
}

// Request → ready: a small report, its status polled every 100 ms; anything but ready within 30 s fails.
export function report_ready(data) {
  const started = Date.now();
  const created = http.post(`${EDGE}/api/analytics/reports`, JSON.stringify({ type: 'course_completion', format: 'xlsx' }),
    params(data.admin.access, scenarioGate(), true));
  if (created.status >= 300) {
    reportFailed.add(1);
    return;
  }
  const id = created.json().id;
  while (Date.now() - started < 30000) {
    sleep(0.1);
    const r = http.get(`${EDGE}/api/analytics/reports/${id}`, params(data.admin.access, 'report_poll'));
    const state = r.status === 200 ? r.json().state : 'failed';
    if (state === 'ready' || state === 'failed' || state === 'canceled') {
      if (state === 'ready') reportMs.add(Date.now() - started);
      reportFailed.add(state === 'ready' ? 0 : 1);
      return;
    }
  }
  reportFailed.add(1);
}
