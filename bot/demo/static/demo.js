// The demo page: draws each person's chat as Telegram's client would and sends what the
// visitor types or presses to the demo's JSON API. Plain JavaScript, nothing fetched from
// elsewhere. The state arrives over a WebSocket (/api/events) whenever it changes.
"use strict";

const panesEl = document.getElementById("panes");
const clockEl = document.getElementById("clock");
const statusEl = document.getElementById("status");
const drawn = new Map(); // pane key -> {root, chat, menu, last}
const seenAnswers = new Set();
let firstState = true;

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(await response.text());
  return response.json();
}

// ---------------------------------------------------------------- formatting entities
// Entity offsets count UTF-16 code units, which is what JavaScript strings index by.
function entityElement(entity, text, paneKey) {
  const tags = {bold: "strong", italic: "em", underline: "u", strikethrough: "s", code: "code",
    blockquote: "blockquote", expandable_blockquote: "blockquote"};
  let el;
  if (entity.type in tags) {
    el = document.createElement(tags[entity.type]);
  } else if (entity.type === "pre") {
    el = document.createElement("pre");
  } else if (entity.type === "text_link" || entity.type === "url") {
    el = document.createElement("a");
    el.href = entity.type === "url" ? text : entity.url;
    el.target = "_blank";
    el.rel = "noopener noreferrer";
  } else if (entity.type === "spoiler") {
    el = document.createElement("span");
    el.className = "spoiler";
    el.title = "spoiler: click to show";
    el.addEventListener("click", () => el.classList.add("shown"));
  } else if (entity.type === "bot_command") {
    el = document.createElement("span");
    el.className = "command";
    el.title = "send " + text;
    el.addEventListener("click", () => send(paneKey, text));
  } else {
    el = document.createElement("span");
  }
  return el;
}

// Telegram's clients make /commands in any message tappable; so does the page.
const COMMAND = /(^|\s)(\/[A-Za-z0-9_]{1,32})(?=$|[\s.,;:!?)])/g;

function plain(text, paneKey, parent) {
  if (parent.nodeName === "CODE" || parent.nodeName === "PRE" || parent.className === "command") {
    parent.append(text);
    return;
  }
  let pos = 0;
  for (const match of text.matchAll(COMMAND)) {
    const start = match.index + match[1].length;
    parent.append(text.slice(pos, start));
    parent.append(entityElement({type: "bot_command"}, match[2], paneKey));
    parent.lastChild.textContent = match[2];
    pos = start + match[2].length;
  }
  parent.append(text.slice(pos));
}

function formatted(text, entities, paneKey) {
  const root = document.createElement("span");
  const sorted = [...(entities || [])].sort((a, b) => a.offset - b.offset || b.length - a.length);
  function build(start, end, list, parent) {
    let pos = start;
    let i = 0;
    while (i < list.length) {
      const e = list[i];
      const eStart = Math.max(e.offset, pos);
      const eEnd = Math.min(e.offset + e.length, end);
      const inner = [];
      let j = i + 1;
      while (j < list.length && list[j].offset < e.offset + e.length) inner.push(list[j++]);
      if (eStart > pos) plain(text.slice(pos, eStart), paneKey, parent);
      if (eEnd > eStart) {
        const el = entityElement(e, text.slice(eStart, eEnd), paneKey);
        build(eStart, eEnd, inner, el);
        parent.append(el);
        pos = eEnd;
      }
      i = j;
    }
    if (pos < end) plain(text.slice(pos, end), paneKey, parent);
  }
  build(0, text.length, sorted, root);
  return root;
}

// ---------------------------------------------------------------- one message
function messageElement(paneKey, m) {
  const el = document.createElement("div");
  el.className = "msg" + (m.from_bot ? "" : " me");
  el.dataset.messageId = m.id;
  if (m.reply_to) {
    const quote = document.createElement("div");
    quote.className = "quote";
    quote.textContent = m.reply_to;
    el.append(quote);
  }
  if (m.photo) {
    const img = document.createElement("img");
    img.src = m.photo;
    img.alt = "photo";
    el.append(img);
  }
  if (m.file) {
    const link = document.createElement("a");
    link.className = "file";
    link.href = m.file.url;
    link.target = "_blank";
    link.textContent = "📄 " + m.file.name;
    el.append(link);
  }
  if (m.text) {
    const text = document.createElement("div");
    text.className = "text";
    text.append(formatted(m.text, m.entities, paneKey));
    el.append(text);
  }
  if (m.buttons.length) {
    const keyboard = document.createElement("div");
    keyboard.className = "keyboard";
    for (const row of m.buttons) {
      const rowEl = document.createElement("div");
      rowEl.className = "row";
      for (const b of row) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = b.text;
        if (b.data !== null) {
          button.addEventListener("click", () => press(paneKey, m.id, b.data));
        } else if (b.url) {
          button.title = b.url;
          button.addEventListener("click", () => window.open(b.url, "_blank", "noopener"));
        } else {
          button.disabled = true;
        }
        rowEl.append(button);
      }
      keyboard.append(rowEl);
    }
    el.append(keyboard);
  }
  const meta = document.createElement("div");
  meta.className = "meta";
  meta.textContent = (m.edited ? "edited " : "") + m.time;
  el.append(meta);
  return el;
}

// ---------------------------------------------------------------- one pane
function paneSkeleton(pane) {
  const root = document.createElement("section");
  root.className = "pane";
  root.dataset.pane = pane.key;
  root.setAttribute("aria-label", pane.title + " " + pane.name);
  root.innerHTML = `
    <header><div class="who"></div><div class="role"></div></header>
    <div class="chat" role="log"></div>
    <form class="compose">
      <ul class="menu" hidden></ul>
      <button type="button" class="menu-button" title="Commands">/</button>
      <input type="text" autocomplete="off" placeholder="Write a message…">
      <button type="submit">Send</button>
    </form>`;
  root.querySelector(".who").textContent = pane.name + " · " + pane.code;
  root.querySelector(".role").textContent = pane.title;
  const form = root.querySelector("form");
  const input = form.querySelector("input");
  input.setAttribute("aria-label", "Message as " + pane.name);
  const menu = form.querySelector(".menu");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(pane.key, text);
  });
  form.querySelector(".menu-button").addEventListener("click", () => {
    menu.hidden = !menu.hidden;
  });
  const entry = {root, chat: root.querySelector(".chat"), menu, last: ""};
  drawn.set(pane.key, entry);
  panesEl.append(root);
  return entry;
}

function drawMenu(entry, pane) {
  const key = JSON.stringify(pane.menu);
  if (entry.menuKey === key) return;
  entry.menuKey = key;
  entry.menu.replaceChildren();
  for (const item of pane.menu) {
    const li = document.createElement("li");
    li.innerHTML = '<span class="cmd"></span><span class="desc"></span>';
    li.querySelector(".cmd").textContent = "/" + item.command;
    li.querySelector(".desc").textContent = item.description;
    li.addEventListener("click", () => {
      entry.menu.hidden = true;
      send(pane.key, "/" + item.command);
    });
    entry.menu.append(li);
  }
  if (!pane.menu.length) {
    const li = document.createElement("li");
    li.className = "desc";
    li.textContent = "No commands yet";
    entry.menu.append(li);
  }
}

function drawPane(pane) {
  const entry = drawn.get(pane.key) || paneSkeleton(pane);
  drawMenu(entry, pane);
  const key = JSON.stringify(pane.messages);
  if (key !== entry.last) {
    entry.last = key;
    const chat = entry.chat;
    const atBottom = chat.scrollHeight - chat.scrollTop - chat.clientHeight < 60;
    chat.replaceChildren();
    let day = null;
    for (const m of pane.messages) {
      if (m.day !== day) {
        day = m.day;
        const sep = document.createElement("div");
        sep.className = "day";
        sep.textContent = day;
        chat.append(sep);
      }
      chat.append(messageElement(pane.key, m));
    }
    if (atBottom || firstState) chat.scrollTop = chat.scrollHeight;
  }
  for (const answer of pane.answers) {
    if (seenAnswers.has(answer.id)) continue;
    seenAnswers.add(answer.id);
    if (firstState) continue;
    const toast = document.createElement("div");
    toast.className = "answer";
    toast.textContent = answer.text;
    entry.chat.append(toast);
    entry.chat.scrollTop = entry.chat.scrollHeight;
    setTimeout(() => toast.remove(), answer.alert ? 8000 : 4000);
  }
}

function draw(state) {
  clockEl.textContent = state.clock.local + " (" + state.clock.zone + ")";
  for (const button of document.querySelectorAll("[data-jump]")) button.disabled = state.busy;
  for (const pane of state.panes) drawPane(pane);
  firstState = false;
  document.body.dataset.ready = "true";
}

// ---------------------------------------------------------------- acting
async function send(paneKey, text) {
  try {
    await post(`/api/panes/${paneKey}/send`, {text});
  } catch (error) {
    statusEl.textContent = "Could not send: " + error.message;
  }
}

async function press(paneKey, messageId, data) {
  try {
    await post(`/api/panes/${paneKey}/press`, {message_id: messageId, data});
  } catch (error) {
    statusEl.textContent = "Could not press: " + error.message;
  }
}

for (const button of document.querySelectorAll("[data-jump]")) {
  button.addEventListener("click", async () => {
    const buttons = document.querySelectorAll("[data-jump]");
    for (const b of buttons) b.disabled = true;
    statusEl.textContent = "Moving the clock…";
    try {
      const walk = await post("/api/time", {to: button.dataset.jump});
      const sent = `${walk.sent} message${walk.sent === 1 ? "" : "s"} sent on the way`;
      statusEl.textContent = `Now ${walk.local}: ${sent}.` + (walk.note ? ` (${walk.note})` : "");
    } catch (error) {
      statusEl.textContent = "Could not move the clock: " + error.message;
    } finally {
      for (const b of buttons) b.disabled = false;
    }
  });
}

// ---------------------------------------------------------------- the state stream
function connect() {
  const socket = new WebSocket(`ws://${location.host}/api/events`);
  socket.addEventListener("message", (event) => draw(JSON.parse(event.data)));
  socket.addEventListener("close", () => {
    statusEl.textContent = "Lost the demo server; retrying…";
    setTimeout(connect, 1000);
  });
  socket.addEventListener("open", () => {
    if (statusEl.textContent.startsWith("Lost")) statusEl.textContent = "";
  });
}

fetch("/api/state").then((r) => r.json()).then(draw).finally(connect);
