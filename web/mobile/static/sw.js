// escucha service worker: shows Web Push alerts on the lock screen and
// opens the mobile page on the alert when the notification is tapped.
'use strict';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  let p = {};
  try { p = event.data ? event.data.json() : {}; } catch (e) { p = { title: 'escucha', body: event.data ? event.data.text() : '' }; }
  const title = p.title || 'escucha';
  event.waitUntil(self.registration.showNotification(title, {
    body: p.body || '',
    tag: p.id || undefined, // one notification per alert: a retry replaces it
    renotify: false,
    icon: '/m/icon.svg',
    badge: '/m/icon.svg',
    lang: p.lang || 'es',
    data: { url: p.url || '/m/' },
  }));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || '/m/';
  event.waitUntil((async () => {
    const all = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    for (const c of all) {
      if (new URL(c.url).pathname.startsWith('/m/')) {
        await c.focus();
        return c.navigate(url);
      }
    }
    return self.clients.openWindow(url);
  })());
});
