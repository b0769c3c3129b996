// The demo page: the unmodified @rails/actioncable client talking to the gateway.
// - Actuator console: `actuator` channel with an id; `speak` sends what the user types; every
//   subscriber of that actuator receives {user, message, sid}. Needs a signed-in user (JWT).
//   "Watching now" is the actuator's presence set: the channel joins each subscriber; the gateway
//   sends every subscriber `join` / `leave` events, and the page asks for the whole set once subscribed.
// - Comments: `comments` channel with a post_id; POST /posts/:id/comments broadcasts a new comment.
import { createConsumer, getConfig } from '/vendor/actioncable.esm.js';

const cableUrl = getConfig('url'); // <meta name="action-cable-url">, rendered from CABLE_URL
const element = (id) => document.getElementById(id);

const page = {
  consumer: null,
  token: null,
  user: null,
  actuatorId: null,
  actuator: null,
  /** Presence id → info ({name}) of whoever watches the actuator now. */
  watchers: new Map(),
  postId: null,
  comments: null,
};

/** The cable URL with the user's token, read at every (re)connect. */
function socketUrl() {
  const url = new URL(cableUrl);
  // The same token twice: `jid` lets the gateway identify the connection with no Connect call (when it
  // has the JWT secret); `jwt_token` is what the app's connection reads when Connect runs anyway.
  if (page.token) {
    url.searchParams.set('jid', page.token);
    url.searchParams.set('jwt_token', page.token);
  }
  return url.toString();
}

/** A fresh consumer (after signing in: the token only counts when a connection opens), with the page's subscriptions. */
function connect() {
  const previous = page.consumer;
  if (previous) {
    previous.disconnect();
    // disconnect() closes an open socket only; one still connecting would open later, with the old token.
    previous.connection.webSocket?.close();
  }
  page.consumer = createConsumer(socketUrl);
  page.actuator = null;
  page.comments = null;
  if (page.postId) followPost(page.postId);
  if (page.actuatorId && page.user) subscribeActuator(page.actuatorId);
  renderConnection();
}

function setBadge(id, state, text) {
  const badge = element(id);
  badge.dataset.state = state;
  badge.textContent = text;
}

function renderConnection() {
  const connection = page.consumer?.connection;
  const socket = connection?.getState(); // 'connecting' | 'open' | 'closing' | 'closed' | null
  const retrying = connection?.monitor.isRunning();
  if (socket === 'open') {
    setBadge('connection-status', 'connected', page.user ? `connected as ${page.user}` : 'connected (anonymous)');
  } else if (socket === 'connecting' || (socket == null && retrying)) {
    setBadge('connection-status', 'connecting', 'connecting…');
  } else if (retrying) {
    setBadge('connection-status', 'waiting', 'disconnected, reconnecting…');
  } else {
    setBadge('connection-status', 'disconnected', page.token ? 'disconnected (sign in again)' : 'disconnected');
  }
}

function timeOf(date = new Date()) {
  return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** When a comment was written; one published without a valid created_at (by another publisher) shows when it arrived. */
function sentAt(comment) {
  const written = new Date(comment.created_at);
  return Number.isNaN(written.getTime()) ? new Date() : written;
}

function appendLine(list, className, parts) {
  const item = document.createElement('li');
  item.className = className;
  for (const [tag, text, partClass] of parts) {
    const part = document.createElement(tag);
    part.textContent = text;
    if (partClass) part.className = partClass;
    item.append(part);
  }
  list.append(item);
  list.scrollTop = list.scrollHeight;
}

// ---------------------------------------------------------------------------------------------
// Actuator console

function setSpeaking(enabled) {
  element('speak-message').disabled = !enabled;
  element('speak-send').disabled = !enabled;
}

function renderWatchers() {
  const list = element('actuator-watchers');
  list.replaceChildren(
    ...[...page.watchers].sort(([a], [b]) => a.localeCompare(b)).map(([id, info]) => {
      const item = document.createElement('li');
      item.textContent = info?.name ?? id;
      if (id === page.user) item.className = 'me';
      return item;
    }),
  );
}

/** A presence frame's message (the Rails client hands it to `received` like a broadcast); false for anything else. */
function applyPresence(message) {
  if (message?.type === 'info' && Array.isArray(message.records)) {
    page.watchers = new Map(message.records.map((record) => [record.id, record.info]));
  } else if (message?.type === 'join' && typeof message.id === 'string') {
    page.watchers.set(message.id, message.info);
  } else if (message?.type === 'leave' && typeof message.id === 'string') {
    page.watchers.delete(message.id);
  } else {
    return false;
  }
  renderWatchers();
  return true;
}

function subscribeActuator(id) {
  page.actuator?.unsubscribe();
  page.actuatorId = id;
  page.watchers = new Map();
  renderWatchers();
  setSpeaking(false);
  setBadge('actuator-status', 'connecting', `subscribing to ${id}…`);
  const subscription = page.consumer.subscriptions.create(
    { channel: 'actuator', id },
    {
      // `this` is the subscription; callbacks of a replaced one are ignored.
      connected() {
        if (this !== page.actuator) return;
        setBadge('actuator-status', 'connected', `subscribed to ${id}`);
        setSpeaking(true);
        // The current set; from now on join/leave events keep it up to date.
        page.consumer.send({ command: 'presence', identifier: this.identifier });
      },
      disconnected() {
        if (this !== page.actuator) return;
        setBadge('actuator-status', 'waiting', 'disconnected');
        setSpeaking(false);
      },
      rejected() {
        if (this !== page.actuator) return;
        setBadge('actuator-status', 'disconnected', 'rejected');
        setSpeaking(false);
      },
      received(data) {
        if (this !== page.actuator || applyPresence(data)) return;
        const mine = data.user === page.user;
        appendLine(element('actuator-log'), mine ? 'message mine' : 'message', [
          ['time', timeOf()],
          ['strong', data.user ?? 'someone'],
          ['span', String(data.message ?? JSON.stringify(data))],
        ]);
      },
    },
  );
  page.actuator = subscription;
}

element('sign-in-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const user = element('user').value.trim();
  const { ok, answer } = await postJson('/demo/token', { user });
  if (!ok) {
    element('user-status').textContent = `Sign in failed: ${messageOf(answer)}`;
    return;
  }
  page.token = answer.token;
  page.user = answer.user;
  element('user-status').textContent = `Signed in as ${answer.user} (token valid until ${timeOf(new Date(answer.expires_at))}).`;
  element('actuator-subscribe').disabled = false;
  if (!element('comment-author').value) element('comment-author').value = answer.user;
  connect();
});

element('actuator-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const id = element('actuator-id').value.trim();
  if (id) subscribeActuator(id);
});

element('speak-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = element('speak-message');
  const message = input.value.trim();
  if (!message || !page.actuator) return;
  if (page.actuator.perform('speak', { message })) {
    input.value = '';
  } else {
    appendLine(element('actuator-log'), 'message system', [['time', timeOf()], ['span', 'not sent: the connection is down']]);
  }
});

// ---------------------------------------------------------------------------------------------
// Comments

/**
 * The comments feed follows the post's signed stream (`$pubsub`: the gateway confirms it with no
 * channel code and no RPC) when the app can sign one (GET /posts/:id/comments/stream), else the
 * `comments` channel. The signed name is fetched once per post and reused on reconnects.
 */
async function commentsParams(postId) {
  if (page.signedComments?.postId === postId) return page.signedComments.params;
  let params = { channel: 'comments', post_id: postId };
  try {
    const response = await fetch(`/posts/${encodeURIComponent(postId)}/comments/stream`);
    if (response.ok) params = { channel: '$pubsub', signed_stream_name: (await response.json()).signed_stream_name };
  } catch {
    // the app is unreachable: the comments channel (over RPC) is tried instead
  }
  page.signedComments = { postId, params };
  return params;
}

async function followPost(postId) {
  page.comments?.unsubscribe();
  page.comments = null;
  page.postId = postId;
  element('comments-feed').replaceChildren();
  setBadge('comments-status', 'connecting', `following post ${postId}…`);
  const params = await commentsParams(postId);
  // Another post was chosen, or the consumer was replaced, while the name was fetched.
  if (page.postId !== postId || page.comments) return;
  page.comments = page.consumer.subscriptions.create(
    params,
    {
      connected() {
        const how = params.channel === '$pubsub' ? ' via a signed stream' : '';
        if (this === page.comments) setBadge('comments-status', 'connected', `following post ${postId}${how}`);
        renderConnection();
      },
      disconnected() {
        if (this === page.comments) setBadge('comments-status', 'waiting', 'disconnected');
        renderConnection();
      },
      rejected() {
        if (this === page.comments) setBadge('comments-status', 'disconnected', 'rejected');
      },
      received(comment) {
        if (this !== page.comments) return;
        appendLine(element('comments-feed'), 'comment', [
          ['strong', comment.author],
          ['time', timeOf(sentAt(comment))],
          ['p', comment.body],
        ]);
      },
    },
  );
}

element('post-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const postId = element('post-id').value.trim();
  if (postId) followPost(postId);
});

element('comment-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const error = element('comment-error');
  error.hidden = true;
  const { ok, answer } = await postJson(`/posts/${encodeURIComponent(page.postId)}/comments`, {
    author: element('comment-author').value.trim(),
    body: element('comment-body').value.trim(),
  });
  if (ok) {
    // The comment shows up through the broadcast, like everyone else's.
    element('comment-body').value = '';
  } else {
    error.textContent = messageOf(answer);
    error.hidden = false;
  }
});

/** POSTs JSON to this server; a network failure or a non-JSON answer becomes {ok: false, answer: {message}}. */
async function postJson(path, body) {
  try {
    const response = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const answer = await response.json().catch(() => ({ message: `HTTP ${response.status}` }));
    return { ok: response.ok, answer };
  } catch (error) {
    return { ok: false, answer: { message: `the server did not answer (${error.message})` } };
  }
}

/** The message of a Nest error answer ({message: string | string[]}). */
function messageOf(answer) {
  const message = answer?.message ?? 'unknown error';
  return Array.isArray(message) ? message.join('; ') : String(message);
}

// ---------------------------------------------------------------------------------------------

element('cable-url').textContent = cableUrl;
page.postId = element('post-id').value.trim();
connect();
setInterval(renderConnection, 500);
