// Service worker that makes the playground cross-origin isolated on static
// hosts that cannot send response headers (plain GitHub Pages, for example).
//
// The ranks share a SharedArrayBuffer, which browsers only allow on pages
// that are cross-origin isolated, i.e. served with
//   Cross-Origin-Opener-Policy: same-origin
//   Cross-Origin-Embedder-Policy: require-corp
// This worker passes every same-origin GET through to the network unchanged
// and adds those headers (plus Cross-Origin-Resource-Policy: same-origin) to
// the response. Cross-origin requests are left to the browser. Nothing is
// cached. web/isolate.js registers it only when the page is not isolated
// already, and reloads the page once so the first load is covered too.
"use strict";

const ISOLATION_HEADERS = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
};

self.addEventListener("install", () => {
  self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  // Take over the already open page, so isolate.js sees a controller and
  // can reload it.
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  // Chrome issues these (e.g. from DevTools); fetching them outside
  // same-origin mode throws, so leave them to the browser.
  if (request.cache === "only-if-cached" && request.mode !== "same-origin") return;
  if (new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(withIsolationHeaders(request));
});

async function withIsolationHeaders(request) {
  const response = await fetch(request);
  // Redirects seen by navigations ("opaqueredirect") and other opaque
  // responses cannot be rebuilt; hand them back as they are.
  if (response.status === 0 || response.type.startsWith("opaque")) return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(ISOLATION_HEADERS)) {
    headers.set(name, value);
  }
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}
