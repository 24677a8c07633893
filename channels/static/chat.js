/* Layani web chat: a small client for the rasa-webchat 1.0.1 socket.io protocol.
   session_request/session_confirm, user_uttered {message, customData, session_id}, bot_uttered.
   The session id and the transcript live in localStorage, so a reload keeps the conversation. */
(function () {
  "use strict";
  var KEY_SID = "layani.session_id", KEY_LOG = "layani.transcript", MAX_LOG = 200;
  var log = document.getElementById("log"), form = document.getElementById("composer");
  var input = document.getElementById("msg"), statusEl = document.getElementById("status");
  var typing = document.getElementById("typing"), resetBtn = document.getElementById("reset");
  var store = window.localStorage;
  var sessionId = safeGet(KEY_SID), transcript = [];
  try { transcript = JSON.parse(safeGet(KEY_LOG) || "[]"); } catch (e) { transcript = []; }
  var typingTimer = null;

  function safeGet(k) { try { return store.getItem(k); } catch (e) { return null; } }
  function safeSet(k, v) { try { store.setItem(k, v); } catch (e) { /* private mode: no persistence */ } }
  function save() { safeSet(KEY_LOG, JSON.stringify(transcript.slice(-MAX_LOG))); }

  function setTyping(on) {
    typing.hidden = !on;
    clearTimeout(typingTimer);
    if (on) typingTimer = setTimeout(function () { typing.hidden = true; }, 20000);
  }

  function render(entry) {
    var li = document.createElement("li");
    li.className = entry.from;
    var who = document.createElement("span");
    who.className = "sr-only";
    who.textContent = entry.from === "user" ? "Anda: " : "Layani: ";
    li.appendChild(who);
    if (entry.text) {
      var bubble = document.createElement("div");
      bubble.className = "bubble";
      bubble.textContent = entry.text;
      li.appendChild(bubble);
    }
    if (entry.image) {
      var img = document.createElement("img");
      img.className = "attachment"; img.src = entry.image; img.alt = entry.alt || "Gambar dari Layani";
      li.appendChild(img);
    }
    if (entry.buttons && entry.buttons.length) {
      var group = document.createElement("div");
      group.className = "choices"; group.setAttribute("role", "group");
      group.setAttribute("aria-label", "Pilihan jawaban");
      entry.buttons.forEach(function (b) {
        var btn = document.createElement("button");
        btn.type = "button"; btn.textContent = b.title; btn.disabled = !!entry.used;
        btn.addEventListener("click", function () {
          entry.used = true; save();
          Array.prototype.forEach.call(group.querySelectorAll("button"), function (x) { x.disabled = true; });
          send(b.payload, b.title);
          input.focus();
        });
        group.appendChild(btn);
      });
      li.appendChild(group);
    }
    log.appendChild(li);
    li.scrollIntoView({ block: "end" });
  }

  function add(entry) { transcript.push(entry); save(); render(entry); }

  var socket = io({ path: "/socket.io" });

  // Messages typed before the server confirmed the session (slow network, first visit) wait
  // here: the server ignores a message without a confirmed session, and socket.io would send
  // its buffer before our session_request.
  var confirmed = false, pending = [];

  function emitMessage(message) {
    socket.emit("user_uttered", { message: message, customData: { language: "id" }, session_id: sessionId });
  }

  function send(message, shown) {
    if (!message) return;
    add({ from: "user", text: shown || message });
    if (confirmed) emitMessage(message); else pending.push(message);
    setTyping(true);
  }

  socket.on("connect", function () {
    statusEl.textContent = "";
    socket.emit("session_request", { session_id: sessionId });
  });
  socket.on("session_confirm", function (data) {
    var id = typeof data === "string" ? data : data && data.session_id;
    if (id && id !== sessionId) {
      if (sessionId) { transcript = []; save(); log.textContent = ""; }
      sessionId = id; safeSet(KEY_SID, id);
    }
    confirmed = true;
    pending.splice(0).forEach(emitMessage);
  });
  socket.on("bot_uttered", function (msg) {
    setTyping(false);
    var entry = { from: "bot", text: msg.text || "" };
    var buttons = msg.quick_replies || msg.buttons;
    if (buttons) entry.buttons = buttons.map(function (b) { return { title: b.title, payload: b.payload }; });
    var att = msg.attachment;
    if (att && att.type === "image" && att.payload && att.payload.src) entry.image = att.payload.src;
    if (entry.text || entry.image || entry.buttons) add(entry);
  });
  // The server refuses a connection or closes a session when too many new sessions come from
  // one address (it then does not reconnect by itself): wait, then try again.
  var BUSY_TEXT = "Layanan sedang sibuk. Kami mencoba menyambung lagi sebentar lagi...";
  function retryLater() { setTimeout(function () { if (!socket.connected) socket.connect(); }, 30000); }
  socket.on("disconnect", function (reason) {
    confirmed = false;
    if (reason === "io server disconnect") { statusEl.textContent = BUSY_TEXT; retryLater(); }
    else statusEl.textContent = "Koneksi terputus. Menyambung kembali...";
  });
  socket.on("connect_error", function () {
    if (socket.active) { statusEl.textContent = "Belum tersambung ke server. Mencoba lagi..."; }
    else { statusEl.textContent = BUSY_TEXT; retryLater(); }
  });

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text);
  });
  resetBtn.addEventListener("click", function () {
    transcript = []; save(); log.textContent = ""; sessionId = null; confirmed = false; safeSet(KEY_SID, "");
    socket.emit("session_request", { session_id: null });
    input.focus();
  });

  transcript.forEach(render);
})();
