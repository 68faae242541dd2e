// Cross-origin isolation for the playground, wherever it is hosted.
//
// The ranks share a SharedArrayBuffer, which browsers only allow when the
// page is cross-origin isolated. Hosts that can send the COOP/COEP headers
// (`trunk serve`, Netlify and Cloudflare Pages through web/_headers) make the
// page isolated on their own and this script does nothing. Elsewhere (plain
// GitHub Pages) it registers web/coi-sw.js, a service worker that adds the
// headers, and reloads the page once so the reloaded page goes through it.
//
// Load it as a classic script early in <head>, before the app. It sets
//   window.mpiIsolation = { ok: true, via: "headers" | "service-worker" }
// or
//   window.mpiIsolation = { ok: false, reason: "<plain-language reason>" }
// and, while the service worker is being set up (the page is about to
// reload), { ok: false, pending: true, reason }. Whenever the value changes
// after the script has run, an "mpi-isolation" event is dispatched on window
// with the new value as its detail.
//
// It never reloads an isolated page, and never reloads more than once in
// RELOAD_WINDOW_MS (remembered in sessionStorage), so a browser that ignores
// the service worker's headers cannot end up in a reload loop.
(function () {
  "use strict";

  var RELOAD_KEY = "mpi-playground-coi-reload";
  var RELOAD_WINDOW_MS = 10000;
  var SW_FILE = "coi-sw.js";

  // Resolved now: document.currentScript is only set while this runs.
  var script = document.currentScript;
  var swUrl = new URL(SW_FILE, (script && script.src) || document.baseURI).href;
  // The page's directory, so a page under a sub-path is covered.
  var scope = new URL("./", location.href).href;

  function report(value, notify) {
    window.mpiIsolation = value;
    if (notify) {
      window.dispatchEvent(new CustomEvent("mpi-isolation", { detail: value }));
    }
  }

  function fail(reason, notify) {
    report({ ok: false, reason: reason }, notify);
  }

  function storage() {
    try {
      return window.sessionStorage;
    } catch (e) {
      return null;
    }
  }

  function recentReload() {
    var s = storage();
    var at = s ? Number(s.getItem(RELOAD_KEY)) : 0;
    return at > 0 && Date.now() - at >= 0 && Date.now() - at < RELOAD_WINDOW_MS;
  }

  var stillNotIsolated =
    "The page reloaded to turn on cross-origin isolation through a service worker, " +
    "but it is still not isolated. This browser may not apply the service worker's " +
    "headers; a host that sends the Cross-Origin-Opener-Policy and " +
    "Cross-Origin-Embedder-Policy headers itself is needed.";

  var reloading = false;
  function reloadOnce() {
    if (reloading) return;
    var s = storage();
    if (!s) {
      fail(
        "Cross-origin isolation needs one reload of the page, but this browser " +
          "blocks sessionStorage, which guards against reloading over and over. " +
          "Reload the page by hand.",
        true,
      );
      return;
    }
    if (recentReload()) {
      fail(stillNotIsolated, true);
      return;
    }
    try {
      s.setItem(RELOAD_KEY, String(Date.now()));
    } catch (e) {
      fail("Cross-origin isolation needs one reload of the page; reload it by hand.", true);
      return;
    }
    reloading = true;
    location.reload();
  }

  function controlledByUs() {
    var sw = "serviceWorker" in navigator ? navigator.serviceWorker.controller : null;
    return !!sw && sw.scriptURL === swUrl;
  }

  // --- Already isolated: nothing to do. ---
  if (window.crossOriginIsolated === true) {
    var store = storage();
    if (store) store.removeItem(RELOAD_KEY);
    // A coi-sw.js registration left from an earlier visit is harmless; keep it.
    report({ ok: true, via: controlledByUs() ? "service-worker" : "headers" });
    return;
  }

  // --- Cases where a service worker cannot help. ---
  if (typeof window.crossOriginIsolated !== "boolean") {
    fail("This browser does not support cross-origin isolation, which SharedArrayBuffer needs.");
    return;
  }

  if (window.self !== window.top) {
    var parentIsolated = false;
    try {
      parentIsolated = window.parent.crossOriginIsolated === true;
    } catch (e) {
      // A cross-origin parent; its state cannot be read.
    }
    if (!parentIsolated) {
      fail(
        "The playground is embedded in another page (an iframe) that is not " +
          "cross-origin isolated, and a frame cannot make the page around it " +
          "isolated. Open the playground in its own tab.",
      );
      return;
    }
  }

  if (!window.isSecureContext) {
    fail(
      "The page is not a secure context (it was loaded over plain http from a " +
        "host other than localhost), so browsers allow neither SharedArrayBuffer " +
        "nor service workers. Open it over https.",
    );
    return;
  }

  if (!("serviceWorker" in navigator)) {
    fail(
      "The server does not send the cross-origin isolation headers, and this " +
        "browser has service workers turned off (as in some private windows), " +
        "so they cannot be added.",
    );
    return;
  }

  if (recentReload()) {
    // The one reload already happened and did not help; do not try again.
    fail(stillNotIsolated);
    return;
  }

  // --- Register the service worker and reload once it controls the page. ---
  report({
    ok: false,
    pending: true,
    reason: "Turning on cross-origin isolation through a service worker; the page will reload once.",
  });

  var container = navigator.serviceWorker;
  container.addEventListener("controllerchange", reloadOnce);

  var TAKEOVER_MS = 15000;
  setTimeout(function () {
    if (!reloading && window.mpiIsolation.pending) {
      fail(
        "The cross-origin isolation service worker (" + SW_FILE + ") did not take " +
          "control of the page within " + TAKEOVER_MS / 1000 + " s. Reloading the page may help.",
        true,
      );
    }
  }, TAKEOVER_MS);

  container.register(swUrl, { scope: scope }).then(
    function (registration) {
      if (!registration) {
        fail("The browser did not register the cross-origin isolation service worker (" + SW_FILE + ").", true);
        return;
      }
      if (container.controller) {
        // Controlled (by this or an older worker) yet not isolated, e.g. the
        // page was loaded before the worker took over: a reload fixes that.
        reloadOnce();
        return;
      }
      if (registration.active && !registration.installing && !registration.waiting) {
        // Active but not controlling this load (a hard reload bypasses
        // service workers); an ordinary reload goes through it.
        reloadOnce();
        return;
      }
      // Otherwise a new worker is installing; "controllerchange" fires when
      // it claims the page. Report if it fails to install.
      var worker = registration.installing || registration.waiting;
      if (worker) {
        worker.addEventListener("statechange", function () {
          if (worker.state === "redundant" && !reloading && !container.controller) {
            fail("The cross-origin isolation service worker (" + SW_FILE + ") failed to install.", true);
          }
        });
      }
    },
    function (error) {
      fail(
        "Registering the cross-origin isolation service worker (" + SW_FILE +
          ") failed: " + ((error && error.message) || String(error)),
        true,
      );
    },
  );
})();
