// escucha mobile page: log in with the recipient id and NATS password,
// replay recent alerts over HTTP, receive new ones live over NATS
// (WebSocket) and act on them with requests on <prefix>.actions.<self>.
// Mention text comes from strangers: it is only ever set with textContent.
'use strict';

(function () {
  const T = {
    es: {
      offline: 'sin conexión', online: 'en directo', login_title: 'Entrar', recipient: 'Destinatario', password: 'Contraseña',
      login: 'Entrar', logout: 'Salir', empty: 'No hay alertas.', push_enable: 'Avisarme en este teléfono',
      ack: 'Visto', responded: 'Respondido', resolved: 'Resuelto', snooze: 'Posponer',
      bad_login: 'Destinatario o contraseña incorrectos.', login_failed: 'No se pudo entrar: ',
      done_ack: 'Marcada como vista.', done_responded: 'Marcada como respondida.', done_resolved: 'Marcada como resuelta.',
      done_snooze: 'Pospuesta.', failed: 'No se pudo: ', no_responders: 'escucha no responde; inténtalo de nuevo.',
      timeout: 'Sin respuesta; inténtalo de nuevo.', acked: 'Vista', state_responded: 'respondida', state_resolved: 'resuelta',
      state_snooze: 'pospuesta', push_on: 'Avisos activados en este teléfono.', push_denied: 'Los avisos están bloqueados en el navegador.',
      push_failed: 'No se pudieron activar los avisos: ', no_ws: 'El servidor no ofrece NATS por WebSocket.',
      complaint: 'queja', suggestion: 'sugerencia', other: 'otro', critical: 'crítica', high: 'alta', medium: 'media', low: 'baja',
      followers: 'seguidores', new_alert: 'Nueva alerta',
    },
    en: {
      offline: 'offline', online: 'live', login_title: 'Log in', recipient: 'Recipient', password: 'Password',
      login: 'Log in', logout: 'Log out', empty: 'No alerts.', push_enable: 'Notify me on this phone',
      ack: 'Ack', responded: 'Responded', resolved: 'Resolved', snooze: 'Snooze',
      bad_login: 'Wrong recipient or password.', login_failed: 'Could not log in: ',
      done_ack: 'Acknowledged.', done_responded: 'Marked responded.', done_resolved: 'Marked resolved.',
      done_snooze: 'Snoozed.', failed: 'Failed: ', no_responders: 'escucha is not answering; try again.',
      timeout: 'No answer; try again.', acked: 'Acked', state_responded: 'responded', state_resolved: 'resolved',
      state_snooze: 'snoozed', push_on: 'Notifications are on for this phone.', push_denied: 'Notifications are blocked in the browser.',
      push_failed: 'Could not turn notifications on: ', no_ws: 'The server offers no NATS over WebSocket.',
      complaint: 'complaint', suggestion: 'suggestion', other: 'other', critical: 'critical', high: 'high', medium: 'medium', low: 'low',
      followers: 'followers', new_alert: 'New alert',
    },
  };
  let lang = (navigator.language || 'es').slice(0, 2) === 'en' ? 'en' : 'es';
  const t = (k) => (T[lang] && T[lang][k]) || T.es[k] || k;

  const $ = (id) => document.getElementById(id);
  const CREDS = 'escucha.mobile.creds';
  let me = null;
  let creds = null;
  let nc = null;
  const alerts = new Map(); // id -> {alert, el}

  function translate(root) {
    document.documentElement.lang = lang;
    for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  }

  function authHeader(c) {
    const bytes = new TextEncoder().encode(c.id + ':' + c.pw);
    let s = '';
    for (const b of bytes) s += String.fromCharCode(b);
    return 'Basic ' + btoa(s);
  }

  async function api(path, init) {
    init = init || {};
    init.headers = Object.assign({ Authorization: authHeader(creds) }, init.headers || {});
    const r = await fetch('/m/' + path, init);
    let body = {};
    try { body = await r.json(); } catch (e) { body = {}; }
    if (!r.ok) {
      const err = new Error(body.error || ('HTTP ' + r.status));
      err.status = r.status;
      throw err;
    }
    return body;
  }

  function setStatus(ok) {
    const s = $('status');
    s.className = 'status ' + (ok ? 'on' : 'off');
    s.dataset.i18n = ok ? 'online' : 'offline';
    s.textContent = t(s.dataset.i18n);
  }

  function showLogin(msg) {
    $('inbox').hidden = true;
    $('login').hidden = false;
    $('login-error').textContent = msg || '';
    translate(document);
  }

  function formatTime(s) {
    const d = new Date(s);
    if (isNaN(d)) return '';
    return d.toLocaleString(lang === 'en' ? 'en-GB' : 'es-ES', { dateStyle: 'short', timeStyle: 'short' });
  }

  function stateText(a) {
    const parts = [];
    if (a.acked_at) parts.push(t('acked') + ' ' + formatTime(a.acked_at));
    for (const k of ['responded', 'resolved', 'snooze']) {
      if ((a.actions || []).includes(k)) parts.push(t('state_' + k));
    }
    return parts.join(' · ');
  }

  function render(a) {
    let entry = alerts.get(a.id);
    if (entry) {
      // Keep what the server already told us (acks) when a live copy arrives.
      a.acked_at = a.acked_at || entry.alert.acked_at;
      a.actions = a.actions || entry.alert.actions;
    }
    const el = entry ? entry.el : $('alert-tpl').content.firstElementChild.cloneNode(true);
    el.dataset.id = a.id;
    el.className = 'alert sev-' + (a.severity || 'none') + ((a.actions || []).includes('resolved') ? ' done' : '');
    el.querySelector('.sev').textContent = a.severity ? t(a.severity) : '';
    el.querySelector('.label').textContent = t(a.label || 'other');
    el.querySelector('.ceo').hidden = !a.ceo;
    el.querySelector('time').textContent = formatTime(a.notified_at || a.created_at);
    el.querySelector('.title').textContent = a.title || '';
    const m = a.mention || {};
    el.querySelector('.text').textContent = m.text || '';
    const post = el.querySelector('.post');
    const author = m.author || {};
    post.textContent = '@' + (author.handle || '?') + (author.followers ? ' · ' + author.followers + ' ' + t('followers') : '');
    if (m.url && /^https?:\/\//.test(m.url)) post.href = m.url; else post.removeAttribute('href');
    el.querySelector('.state').textContent = stateText(a);
    if (!entry) {
      translate(el);
      for (const b of el.querySelectorAll('button[data-action]')) {
        b.addEventListener('click', () => act(a.id, b.dataset.action, el));
      }
    }
    alerts.set(a.id, { alert: a, el: el });
    return el;
  }

  // insert adds an alert at its place, newest first.
  function insert(a) {
    const isNew = !alerts.has(a.id);
    const el = render(a);
    if (isNew) {
      const list = $('alerts');
      const key = a.created_at || a.notified_at || '';
      let before = null;
      for (const li of list.children) {
        const other = alerts.get(li.dataset.id).alert;
        if ((other.created_at || other.notified_at || '') < key) { before = li; break; }
      }
      list.insertBefore(el, before);
    }
    $('empty').hidden = alerts.size > 0;
    focusFromHash();
  }

  async function act(id, action, el) {
    const reply = el.querySelector('.reply');
    reply.className = 'reply';
    reply.textContent = '…';
    for (const b of el.querySelectorAll('button')) b.disabled = true;
    try {
      if (!nc || !nc.connected) throw new Error(t('offline'));
      const m = await nc.request(me.actions_subject, JSON.stringify({ alert_id: id, action: action, at: new Date().toISOString() }), 8000);
      const r = JSON.parse(NatsClient.decode(m.data));
      if (!r.ok) throw new Error(r.error || '?');
      reply.className = 'reply ok';
      reply.textContent = t('done_' + action);
      const a = alerts.get(id).alert;
      if (action === 'ack' && !a.acked_at) a.acked_at = new Date().toISOString();
      a.actions = (a.actions || []).concat([action]);
      render(a);
    } catch (e) {
      reply.className = 'reply error';
      const msg = e.message === 'no responders' ? t('no_responders') : e.message === 'timeout' ? t('timeout') : t('failed') + e.message;
      reply.textContent = msg;
    } finally {
      for (const b of el.querySelectorAll('button')) b.disabled = false;
    }
  }

  function focusFromHash() {
    const m = /alert=([^&]+)/.exec(location.hash);
    if (!m) return;
    const id = decodeURIComponent(m[1].replace(/\+/g, ' '));
    const e = alerts.get(id);
    if (!e) return;
    for (const li of document.querySelectorAll('.alert.focus')) li.classList.remove('focus');
    e.el.classList.add('focus');
    e.el.scrollIntoView({ block: 'center' });
  }

  async function connectNATS() {
    if (!me.websocket_url) {
      $('notice').textContent = t('no_ws');
      return;
    }
    nc = new NatsClient(me.websocket_url, {
      user: creds.id, pass: creds.pw, inboxPrefix: me.inbox_prefix, name: 'escucha-mobile ' + creds.id,
      onStatus: (ok) => {
        setStatus(ok);
        if (ok) reload(); // catch up on what arrived while offline
      },
      onError: (err) => { $('notice').textContent = err; },
    });
    nc.subscribe(me.alerts_subject, (m) => {
      try {
        insert(JSON.parse(NatsClient.decode(m.data)));
      } catch (e) { /* not an alert */ }
    });
    try {
      await nc.connect();
    } catch (e) {
      $('notice').textContent = t('failed') + e.message;
    }
  }

  async function reload() {
    const body = await api('api/alerts');
    for (const a of (body.alerts || []).slice().reverse()) insert(a);
    $('empty').hidden = alerts.size > 0;
  }

  async function start() {
    try {
      me = await api('api/me');
    } catch (e) {
      if (e.status === 401) { localStorage.removeItem(CREDS); showLogin(t('bad_login')); return; }
      showLogin(t('login_failed') + e.message);
      return;
    }
    lang = me.lang === 'en' ? 'en' : 'es';
    $('login').hidden = true;
    $('inbox').hidden = false;
    translate(document);
    $('who').textContent = me.name;
    setStatus(false);
    await reload();
    setupPush();
    connectNATS();
  }

  function b64ToBytes(s) {
    const pad = '='.repeat((4 - (s.length % 4)) % 4);
    const raw = atob((s + pad).replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  }

  async function setupPush() {
    if (!me.vapid_public_key || !('serviceWorker' in navigator) || !('PushManager' in window)) return;
    let reg;
    try {
      reg = await navigator.serviceWorker.register('/m/sw.js', { scope: '/m/' });
    } catch (e) {
      return;
    }
    const existing = await reg.pushManager.getSubscription();
    const btn = $('push-enable');
    if (existing) {
      // Refresh it on the server (it may have been pruned).
      api('push/subscribe', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(existing.toJSON()) }).catch(() => {});
      return;
    }
    btn.hidden = false;
    btn.onclick = async () => {
      try {
        const perm = await Notification.requestPermission();
        if (perm !== 'granted') { $('notice').textContent = t('push_denied'); return; }
        const sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: b64ToBytes(me.vapid_public_key) });
        await api('push/subscribe', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(sub.toJSON()) });
        btn.hidden = true;
        $('notice').textContent = t('push_on');
      } catch (e) {
        $('notice').textContent = t('push_failed') + e.message;
      }
    };
  }

  $('login').addEventListener('submit', (ev) => {
    ev.preventDefault();
    creds = { id: $('login-id').value.trim(), pw: $('login-pw').value };
    localStorage.setItem(CREDS, JSON.stringify(creds));
    $('login-pw').value = '';
    start();
  });
  $('logout').addEventListener('click', () => {
    localStorage.removeItem(CREDS);
    if (nc) nc.close();
    location.reload();
  });
  window.addEventListener('hashchange', focusFromHash);

  try { creds = JSON.parse(localStorage.getItem(CREDS) || 'null'); } catch (e) { creds = null; }
  if (creds && creds.id) start(); else showLogin('');
})();
