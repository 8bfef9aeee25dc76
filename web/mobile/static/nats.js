// A small NATS client over WebSocket for escucha's mobile page: CONNECT
// with user and password, PING/PONG, SUB, UNSUB, PUB, MSG and HMSG
// (headers, for the 503 "no responders" status), request/reply through one
// inbox subscription under a given prefix, and reconnection with backoff
// that restores subscriptions. It implements only what the page needs from
// the NATS client protocol (docs.nats.io/reference/reference-protocols/nats-protocol).
'use strict';

(function (global) {
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const CRLF = enc.encode('\r\n');

  function randomToken(n) {
    const a = new Uint8Array(n);
    crypto.getRandomValues(a);
    return Array.from(a, (b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');
  }

  function indexOfCRLF(buf, from) {
    for (let i = from; i + 1 < buf.length; i++) {
      if (buf[i] === 13 && buf[i + 1] === 10) return i;
    }
    return -1;
  }

  // NatsClient connects to url with opts {user, pass, inboxPrefix, name,
  // onStatus(connected bool, err string)}.
  class NatsClient {
    constructor(url, opts) {
      this.url = url;
      this.opts = opts || {};
      this.sid = 0;
      this.subs = new Map(); // sid -> {subject, cb}
      this.pending = new Map(); // reply token -> {resolve, reject, timer}
      this.buf = new Uint8Array(0);
      this.ws = null;
      this.connected = false;
      this.closed = false;
      this.backoff = 500;
      this.inbox = (this.opts.inboxPrefix || '_INBOX') + '.' + randomToken(12);
      this.waitingPongs = [];
    }

    // connect opens the socket and resolves after the server answered the
    // first PING (so the credentials were accepted).
    connect() {
      return new Promise((resolve, reject) => {
        this._firstConnect = { resolve, reject };
        this._open();
      });
    }

    _status(ok, err) {
      if (this.opts.onStatus) this.opts.onStatus(ok, err || '');
    }

    _open() {
      let ws;
      try {
        ws = new WebSocket(this.url);
      } catch (e) {
        this._failed(String(e));
        return;
      }
      ws.binaryType = 'arraybuffer';
      this.ws = ws;
      this.buf = new Uint8Array(0);
      this.gotInfo = false;
      ws.onmessage = (ev) => {
        const chunk = typeof ev.data === 'string' ? enc.encode(ev.data) : new Uint8Array(ev.data);
        const b = new Uint8Array(this.buf.length + chunk.length);
        b.set(this.buf, 0);
        b.set(chunk, this.buf.length);
        this.buf = b;
        this._parse();
      };
      ws.onclose = () => {
        const was = this.connected;
        this.connected = false;
        for (const w of this.waitingPongs.splice(0)) w.reject(new Error('disconnected'));
        if (was) this._status(false, '');
        if (!this.closed) this._failed(this.lastError || 'connection closed');
      };
      ws.onerror = () => { this.lastError = this.lastError || 'websocket error'; };
    }

    _failed(err) {
      if (this._firstConnect && /Authorization Violation/i.test(err)) {
        // Wrong credentials: do not retry.
        const f = this._firstConnect;
        this._firstConnect = null;
        this.closed = true;
        f.reject(new Error(err));
        return;
      }
      this._status(false, err);
      if (this.closed) return;
      const wait = this.backoff;
      this.backoff = Math.min(this.backoff * 2, 15000);
      setTimeout(() => { if (!this.closed) this._open(); }, wait);
    }

    _send(str) {
      if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(enc.encode(str));
    }

    _sendBytes(head, payload) {
      if (!this.ws || this.ws.readyState !== WebSocket.OPEN) throw new Error('not connected');
      const h = enc.encode(head);
      const out = new Uint8Array(h.length + payload.length + 2);
      out.set(h, 0);
      out.set(payload, h.length);
      out.set(CRLF, h.length + payload.length);
      this.ws.send(out);
    }

    _parse() {
      for (;;) {
        const end = indexOfCRLF(this.buf, 0);
        if (end < 0) return;
        const line = dec.decode(this.buf.subarray(0, end));
        const op = line.split(' ', 1)[0].toUpperCase();
        if (op === 'MSG' || op === 'HMSG') {
          const parts = line.split(/\s+/);
          const total = parseInt(parts[parts.length - 1], 10);
          const hdrLen = op === 'HMSG' ? parseInt(parts[parts.length - 2], 10) : 0;
          if (this.buf.length < end + 2 + total + 2) return; // wait for the payload
          const body = this.buf.subarray(end + 2, end + 2 + total);
          const reply = (op === 'HMSG' ? parts.length === 6 : parts.length === 5) ? parts[3] : '';
          const msg = {
            subject: parts[1],
            sid: parseInt(parts[2], 10),
            reply: reply,
            headers: hdrLen ? dec.decode(body.subarray(0, hdrLen)) : '',
            data: body.slice(hdrLen),
          };
          this.buf = this.buf.slice(end + 2 + total + 2);
          this._deliver(msg);
          continue;
        }
        this.buf = this.buf.slice(end + 2);
        this._control(op, line);
      }
    }

    _control(op, line) {
      switch (op) {
        case 'INFO': {
          if (this.gotInfo) return; // cluster updates
          this.gotInfo = true;
          const connect = {
            verbose: false, pedantic: false, lang: 'escucha-js', version: '1.0.0', protocol: 1,
            headers: true, no_responders: true, name: this.opts.name || 'escucha-mobile',
          };
          if (this.opts.user) { connect.user = this.opts.user; connect.pass = this.opts.pass || ''; }
          this._send('CONNECT ' + JSON.stringify(connect) + '\r\n');
          for (const [sid, s] of this.subs) this._send('SUB ' + s.subject + ' ' + sid + '\r\n');
          this._send('PING\r\n');
          this._onPong = () => {
            this.connected = true;
            this.backoff = 500;
            this.lastError = '';
            this._status(true, '');
            if (this._firstConnect) { const f = this._firstConnect; this._firstConnect = null; f.resolve(this); }
          };
          return;
        }
        case 'PING':
          this._send('PONG\r\n');
          return;
        case 'PONG': {
          if (this._onPong) { const f = this._onPong; this._onPong = null; f(); return; }
          const w = this.waitingPongs.shift();
          if (w) w.resolve();
          return;
        }
        case '+OK':
          return;
        case '-ERR': {
          const err = line.slice(5).replace(/^'|'$/g, '');
          this.lastError = err;
          if (this.opts.onError) this.opts.onError(err);
          return;
        }
      }
    }

    _deliver(msg) {
      const s = this.subs.get(msg.sid);
      if (s) s.cb(msg);
    }

    // subscribe calls cb({subject, reply, headers, data}) for each message
    // and returns the subscription id.
    subscribe(subject, cb) {
      const sid = ++this.sid;
      this.subs.set(sid, { subject, cb });
      this._send('SUB ' + subject + ' ' + sid + '\r\n');
      return sid;
    }

    unsubscribe(sid) {
      this.subs.delete(sid);
      this._send('UNSUB ' + sid + '\r\n');
    }

    publish(subject, data, reply) {
      const payload = typeof data === 'string' ? enc.encode(data) : data;
      this._sendBytes('PUB ' + subject + (reply ? ' ' + reply : '') + ' ' + payload.length + '\r\n', payload);
    }

    // flush resolves when the server answered a PING.
    flush() {
      return new Promise((resolve, reject) => {
        this.waitingPongs.push({ resolve, reject });
        this._send('PING\r\n');
      });
    }

    // request publishes data with a reply subject under the inbox prefix
    // and resolves with the first reply; it rejects on timeout or when no
    // one listens (status 503).
    request(subject, data, timeoutMs) {
      if (!this.inboxSid) {
        this.inboxSid = this.subscribe(this.inbox + '.*', (m) => {
          const token = m.subject.slice(this.inbox.length + 1);
          const p = this.pending.get(token);
          if (!p) return;
          this.pending.delete(token);
          clearTimeout(p.timer);
          if (/^NATS\/1\.0 503/.test(m.headers)) p.reject(new Error('no responders'));
          else p.resolve(m);
        });
      }
      return new Promise((resolve, reject) => {
        const token = randomToken(10);
        const timer = setTimeout(() => {
          this.pending.delete(token);
          reject(new Error('timeout'));
        }, timeoutMs || 5000);
        this.pending.set(token, { resolve, reject, timer });
        try {
          this.publish(subject, data, this.inbox + '.' + token);
        } catch (e) {
          clearTimeout(timer);
          this.pending.delete(token);
          reject(e);
        }
      });
    }

    close() {
      this.closed = true;
      if (this.ws) this.ws.close();
    }
  }

  NatsClient.decode = (bytes) => dec.decode(bytes);
  global.NatsClient = NatsClient;
})(window);
