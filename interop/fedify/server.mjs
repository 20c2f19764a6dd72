// A small Fedify server: the real peer of the interop tests (issue #5).
//
//   node server.mjs --port 39001 [--permit 京ICP备00000009号-1] [--first-knock rfc9421|draft-cavage-http-signatures-12]
//
// One actor, `alice`, with an RSA key (HTTP signatures) and an Ed25519 key
// (Object Integrity Proofs), WebFinger, NodeInfo (declaring the permit),
// a followers collection, her notes, and an inbox that accepts every
// Follow and records every activity Fedify has verified. Everything is in
// memory (MemoryKvStore, InProcessMessageQueue) and private addresses are
// allowed, since both servers are on 127.0.0.1. A control API under
// /_control/ lets the Python tests make alice act and read what she got:
//
//   GET  /_control/health              {"ok": true, "actor": ...}
//   GET  /_control/inbox               activities alice received, verified by Fedify
//   GET  /_control/requests            every request to Fedify: signature scheme, keyId, status
//   GET  /_control/errors              outbox delivery errors
//   POST /_control/follow   {target}   alice follows an actor URL (or handle)
//   POST /_control/unfollow {target}   Undo(Follow)
//   POST /_control/post     {content, to?, public?, inReplyTo?}  Create(Note) to followers (+ to)
//   POST /_control/like     {object}   Like, sent to the object's author
//   POST /_control/announce {object}   Announce, to followers and the object's author
//   POST /_control/undo     {id}       Undo of an activity alice sent
//   POST /_control/delete   {id}       Delete of one of alice's notes (a Tombstone)
//
// alice's own sends go out at once (`immediate`), so a control call answers
// with the peer's verdict ({"delivered": false, "error": ...} on a refusal);
// the Accepts her inbox sends go through the queue, as in production.

import http from "node:http";
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { Temporal } from "@js-temporal/polyfill";
import {
  createExponentialBackoffPolicy,
  createFederation,
  generateCryptoKeyPair,
  InProcessMessageQueue,
  MemoryKvStore,
} from "@fedify/fedify";
import {
  Accept, Announce, Create, Delete, Endpoints, Follow, Like, Note, Person,
  PUBLIC_COLLECTION, Reject, Tombstone, Undo, Update,
} from "@fedify/vocab";

const { values: args } = parseArgs({
  options: {
    port: { type: "string", default: process.env.FEDIFY_PORT ?? "0" },
    permit: { type: "string", default: process.env.FEDIFY_PERMIT ?? "" },
    "first-knock": { type: "string", default: process.env.FEDIFY_FIRST_KNOCK ?? "rfc9421" },
  },
});
const PORT = Number(args.port);
const HANDLE = "alice";

const rsa = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
const ed25519 = await generateCryptoKeyPair("Ed25519");

const received = []; // activities alice's inbox listeners got (Fedify verified them)
const requests = []; // every request Fedify answered, as it came over the wire
const errors = []; // outbox delivery errors
const followers = new Map(); // actor id -> actor object
const following = new Map(); // actor id -> { follow, accepted }
const notes = new Map(); // note id -> Note
const sent = new Map(); // activity id -> activity alice sent

const federation = createFederation({
  kv: new MemoryKvStore(),
  queue: new InProcessMessageQueue(),
  allowPrivateAddress: true,
  firstKnock: args["first-knock"],
  outboxRetryPolicy: createExponentialBackoffPolicy({
    initialDelay: { seconds: 1 }, maxDelay: { seconds: 4 }, maxAttempts: 4,
  }),
  circuitBreaker: false,
  onOutboxError: (error, activity) => {
    errors.push({ activity: activity?.id?.href ?? null, error: String(error?.message ?? error) });
  },
});

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== HANDLE) return null;
    const keys = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: "Alice (Fedify)",
      summary: "A Fedify peer for interoperability tests.",
      url: ctx.getActorUri(identifier),
      inbox: ctx.getInboxUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      outbox: ctx.getOutboxUri(identifier),
      followers: ctx.getFollowersUri(identifier),
      publicKeys: keys.map((k) => k.cryptographicKey),
      assertionMethods: keys.map((k) => k.multikey),
    });
  })
  .setKeyPairsDispatcher((_ctx, identifier) => (identifier === HANDLE ? [rsa, ed25519] : []));

federation.setOutboxDispatcher("/users/{identifier}/outbox", (_ctx, identifier) =>
  identifier === HANDLE ? { items: [] } : null);

federation
  .setFollowersDispatcher("/users/{identifier}/followers", (_ctx, identifier) => {
    if (identifier !== HANDLE) return null;
    return { items: [...followers.values()] };
  })
  .setCounter((_ctx, identifier) => (identifier === HANDLE ? followers.size : null));

federation.setObjectDispatcher(Note, "/users/{identifier}/notes/{id}", (ctx, values) =>
  notes.get(ctx.getObjectUri(Note, values).href) ?? null);

federation.setNodeInfoDispatcher("/nodeinfo/2.1", () => ({
  software: { name: "fedify-interop", version: "2.3.6" },
  protocols: ["activitypub"],
  usage: { users: { total: 1, activeHalfyear: 1, activeMonth: 1 }, localPosts: notes.size, localComments: 0 },
  metadata: args.permit ? { permit: args.permit } : {},
}));

const hrefs = (urls) => [...urls].map((u) => u.href);

// What alice received, as Fedify understood it (ids, audience, the object
// when embedded in a Create or Update).
async function record(ctx, activity) {
  const entry = {
    id: activity.id?.href ?? null,
    type: activity.constructor.name,
    actor: activity.actorId?.href ?? null,
    objectId: activity.objectId?.href ?? null,
    to: hrefs(activity.toIds),
    cc: hrefs(activity.ccIds),
  };
  if (activity instanceof Create || activity instanceof Update) {
    const object = await activity.getObject(ctx);
    entry.object = object == null ? null : {
      id: object.id?.href ?? null,
      type: object.constructor.name,
      attributedTo: object.attributionId?.href ?? null,
      content: object.content?.toString() ?? null,
      inReplyTo: object.replyTargetId?.href ?? null,
      to: hrefs(object.toIds),
      cc: hrefs(object.ccIds),
    };
  }
  received.push(entry);
}

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Follow, async (ctx, follow) => {
    await record(ctx, follow);
    const me = ctx.getActorUri(HANDLE);
    if (follow.objectId?.href !== me.href || follow.actorId == null) return;
    const follower = await follow.getActor(ctx);
    if (follower?.id == null) return;
    followers.set(follower.id.href, follower);
    await ctx.sendActivity({ identifier: HANDLE }, follower, new Accept({
      id: new URL(`#accepts/${randomUUID()}`, me),
      actor: me,
      object: follow,
    }));
  })
  .on(Accept, async (ctx, accept) => {
    // The accepted Follow is alice's own: its id is enough (an embedded
    // copy from another origin is not trusted by Fedify anyway).
    const entry = following.get(accept.actorId?.href);
    if (entry != null && accept.objectId?.href === entry.follow.id.href) entry.accepted = true;
    await record(ctx, accept);
  })
  .on(Reject, record)
  .on(Create, record)
  .on(Update, record)
  .on(Like, record)
  .on(Announce, record)
  .on(Delete, record)
  .on(Undo, async (ctx, undo) => {
    await record(ctx, undo);
    const object = await undo.getObject(ctx);
    if (object instanceof Follow && undo.actorId) followers.delete(undo.actorId.href);
  })
  .onError((_ctx, error) => {
    errors.push({ activity: null, error: `inbox: ${error?.message ?? error}` });
  });

// ---- the control API -------------------------------------------------------

const me = (ctx) => ctx.getActorUri(HANDLE);

// Lookups are signed as alice (the peer runs in secure mode: only actor
// documents are served to unsigned requests).
async function lookup(ctx, target) {
  return ctx.lookupObject(target, { documentLoader: await ctx.getDocumentLoader({ identifier: HANDLE }) });
}

async function lookupActor(ctx, target) {
  const actor = await lookup(ctx, target);
  if (actor?.id == null || actor.inboxId == null) throw new Error(`no actor at ${target}`);
  return actor;
}

async function authorOf(ctx, objectId) {
  const object = await lookup(ctx, objectId);
  const author = object?.attributionId;
  if (author == null) throw new Error(`no author for ${objectId}`);
  return lookupActor(ctx, author.href);
}

// Send at once, past the queue, so that the caller sees a refusal.
async function send(ctx, recipients, activity) {
  sent.set(activity.id.href, activity);
  try {
    await ctx.sendActivity({ identifier: HANDLE }, recipients, activity, { immediate: true });
  } catch (error) {
    return { id: activity.id.href, delivered: false, error: String(error?.message ?? error) };
  }
  return { id: activity.id.href, delivered: true };
}

const controls = {
  async follow(ctx, body) {
    const target = await lookupActor(ctx, body.target);
    const follow = new Follow({
      id: new URL(`#follows/${randomUUID()}`, me(ctx)), actor: me(ctx), object: target.id,
    });
    following.set(target.id.href, { follow, accepted: false });
    return send(ctx, target, follow);
  },
  async unfollow(ctx, body) {
    const target = await lookupActor(ctx, body.target);
    const entry = following.get(target.id.href);
    if (entry == null) throw new Error(`alice does not follow ${target.id.href}`);
    following.delete(target.id.href);
    return send(ctx, target, new Undo({
      id: new URL(`#undo/${randomUUID()}`, me(ctx)), actor: me(ctx), object: entry.follow,
    }));
  },
  async post(ctx, body) {
    const id = randomUUID();
    const noteId = ctx.getObjectUri(Note, { identifier: HANDLE, id });
    const to = (body.to ?? []).map((u) => new URL(u));
    const isPublic = body.public !== false;
    const audience = {
      tos: isPublic ? [PUBLIC_COLLECTION, ...to] : [ctx.getFollowersUri(HANDLE), ...to],
      ccs: isPublic ? [ctx.getFollowersUri(HANDLE)] : [],
    };
    const note = new Note({
      id: noteId, attribution: me(ctx), content: body.content, url: noteId,
      published: Temporal.Now.instant(), replyTarget: body.inReplyTo ? new URL(body.inReplyTo) : null,
      ...audience,
    });
    notes.set(noteId.href, note);
    const create = new Create({
      id: new URL(`${noteId.href}/activity`), actor: me(ctx), object: note,
      published: note.published, ...audience,
    });
    const recipients = [...followers.values()];
    for (const u of to) {
      if (!followers.has(u.href)) recipients.push(await lookupActor(ctx, u.href));
    }
    return { note: noteId.href, ...(await send(ctx, recipients, create)) };
  },
  async like(ctx, body) {
    const author = await authorOf(ctx, body.object);
    return send(ctx, author, new Like({
      id: new URL(`#likes/${randomUUID()}`, me(ctx)), actor: me(ctx), object: new URL(body.object),
      to: author.id,
    }));
  },
  async announce(ctx, body) {
    const author = await authorOf(ctx, body.object);
    const recipients = [author, ...[...followers.values()].filter((f) => f.id.href !== author.id.href)];
    return send(ctx, recipients, new Announce({
      id: new URL(`#announces/${randomUUID()}`, me(ctx)), actor: me(ctx), object: new URL(body.object),
      published: Temporal.Now.instant(), tos: [PUBLIC_COLLECTION], ccs: [author.id, ctx.getFollowersUri(HANDLE)],
    }));
  },
  async undo(ctx, body) {
    const activity = sent.get(body.id);
    if (activity == null) throw new Error(`alice sent no ${body.id}`);
    const object = activity.objectId?.href;
    const author = activity instanceof Follow ? await lookupActor(ctx, object) : await authorOf(ctx, object);
    const recipients = [author, ...[...followers.values()].filter((f) => f.id.href !== author.id.href)];
    return send(ctx, recipients, new Undo({
      id: new URL(`#undo/${randomUUID()}`, me(ctx)), actor: me(ctx), object: activity,
    }));
  },
  async delete(ctx, body) {
    const note = notes.get(body.id);
    if (note == null) throw new Error(`alice has no note ${body.id}`);
    notes.delete(body.id);
    return send(ctx, [...followers.values()], new Delete({
      id: new URL(`${body.id}#delete`), actor: me(ctx),
      object: new Tombstone({ id: note.id }), tos: [PUBLIC_COLLECTION],
    }));
  },
};

function json(res, status, value) {
  const body = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

function signatureScheme(headers) {
  if (headers.get("signature-input")) return "rfc9421";
  if (headers.get("signature")) return "draft-cavage";
  return "none";
}

async function control(req, res, url, raw) {
  const name = url.pathname.slice("/_control/".length);
  if (req.method === "GET") {
    const views = {
      health: () => ({ ok: true, actor: new URL(`/users/${HANDLE}`, url).href }),
      inbox: () => received,
      requests: () => requests,
      errors: () => errors,
      followers: () => [...followers.keys()],
      following: () => [...following].map(([id, e]) => ({ id, accepted: e.accepted })),
    };
    return views[name] ? json(res, 200, views[name]()) : json(res, 404, { error: "no such view" });
  }
  const action = controls[name];
  if (req.method !== "POST" || action == null) return json(res, 404, { error: "no such control" });
  const ctx = federation.createContext(new URL(url.origin), undefined);
  try {
    return json(res, 200, await action(ctx, JSON.parse(raw.toString("utf8") || "{}")));
  } catch (error) {
    return json(res, 422, { error: String(error?.message ?? error) });
  }
}

const server = http.createServer(async (req, res) => {
  try {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url, `http://${req.headers.host}`);
    if (url.pathname.startsWith("/_control/")) return await control(req, res, url, raw);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) {
      for (const value of Array.isArray(v) ? v : [v]) headers.append(k, value);
    }
    const request = new Request(url, {
      method: req.method, headers, body: ["GET", "HEAD"].includes(req.method) ? undefined : raw,
    });
    const response = await federation.fetch(request, {
      contextData: undefined,
      onNotFound: () => new Response("not found", { status: 404 }),
      onNotAcceptable: () => new Response("not acceptable", { status: 406 }),
    });
    let activity = {};
    if (req.method === "POST") {
      try { activity = JSON.parse(raw.toString("utf8")); } catch { /* recorded as is */ }
    }
    const sig = headers.get("signature-input") ?? headers.get("signature") ?? "";
    requests.push({
      method: req.method, path: url.pathname, scheme: signatureScheme(headers), status: response.status,
      keyId: /keyid="([^"]*)"/i.exec(sig)?.[1] ?? null,
      activity: activity?.id ?? null, type: activity?.type ?? null,
    });
    const body = Buffer.from(await response.arrayBuffer());
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(body);
  } catch (error) {
    json(res, 500, { error: String(error?.message ?? error) });
  }
});

server.listen(PORT, "127.0.0.1", () => {
  // The one line the tests wait for.
  console.log(JSON.stringify({ listening: server.address().port }));
});

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
