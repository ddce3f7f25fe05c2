// Sesame's password capture script.
//
// Injected at document start into every frame of the sign-in web view (Chromium:
// Page.addScriptToEvaluateOnNewDocument in an isolated world; WKWebView: a
// WKUserScript with forMainFrameOnly = false). It does nothing on hosts the
// profile does not name. On the identity provider's pages it waits for the
// person to submit a form (a button click, Enter in a field, a submit event)
// and reports the password fields of that form — reaching into open shadow
// roots — with their attributes, so the agent can label them current / new /
// confirm and pick the right value (agent/src/web/capture.rs decides; this
// script only observes). It never changes the page.
//
// The agent appends `(CONFIG)` to this expression, where CONFIG is
// { hosts: [...], transport: "binding" | "webkit", name: "..." }.
(function (cfg) {
  "use strict";
  var host = String(location.hostname || "").toLowerCase().replace(/\.$/, "");
  if (!host || cfg.hosts.indexOf(host) < 0) {
    return;
  }
  var mark = "__sesame_capture_" + cfg.name;
  if (window[mark]) {
    return;
  }
  try {
    Object.defineProperty(window, mark, { value: true, enumerable: false });
  } catch (e) {
    return;
  }

  function send(report) {
    var json = JSON.stringify(report);
    try {
      if (cfg.transport === "webkit") {
        window.webkit.messageHandlers[cfg.name].postMessage(json);
      } else {
        window[cfg.name](json);
      }
    } catch (e) {
      // The channel is gone (the view is closing): nothing to do.
    }
  }

  function isPasswordField(el) {
    if (!el || el.tagName !== "INPUT") {
      return false;
    }
    var type = String(el.type || "").toLowerCase();
    var ac = String(el.getAttribute("autocomplete") || "").toLowerCase();
    return type === "password" || ac.indexOf("current-password") >= 0 || ac.indexOf("new-password") >= 0;
  }

  // Every password field under `root`, in document order, descending into open
  // shadow roots (closed ones are out of reach by design).
  function passwordFields(root, out) {
    var all = root.querySelectorAll("*");
    for (var i = 0; i < all.length; i++) {
      var el = all[i];
      if (isPasswordField(el)) {
        out.push(el);
      }
      if (el.shadowRoot) {
        passwordFields(el.shadowRoot, out);
      }
    }
    return out;
  }

  function labelOf(el) {
    var parts = [el.getAttribute("placeholder"), el.getAttribute("aria-label")];
    try {
      if (el.labels) {
        for (var i = 0; i < el.labels.length; i++) {
          parts.push(el.labels[i].textContent);
        }
      }
    } catch (e) {}
    return parts.filter(Boolean).join(" ").replace(/\s+/g, " ").trim().slice(0, 200);
  }

  function pageContext() {
    var h = document.querySelector("h1, h2, [role=heading]");
    var text = (document.title || "") + " | " + (h ? h.textContent : "");
    return text.replace(/\s+/g, " ").trim().slice(0, 300);
  }

  // The form an element submits, if any (through its `form` property or the
  // nearest <form> in its own tree).
  function formOf(el) {
    if (!el) {
      return null;
    }
    if (el.form) {
      return el.form;
    }
    return el.closest ? el.closest("form") : null;
  }

  function snapshot(trigger, origin) {
    var form = formOf(origin);
    var fields = form ? passwordFields(form, []) : [];
    if (fields.length === 0) {
      // No form, or a form without password fields: the whole document
      // (single-page sign-ins often keep fields outside any <form>).
      var root = origin && origin.getRootNode ? origin.getRootNode() : document;
      fields = passwordFields(document, []);
      if (fields.length === 0 && root !== document && root.querySelectorAll) {
        fields = passwordFields(root, []);
      }
    }
    var seen = [];
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (!f.value) {
        continue;
      }
      seen.push({
        type: String(f.type || ""),
        name: String(f.getAttribute("name") || ""),
        id: String(f.id || ""),
        autocomplete: String(f.getAttribute("autocomplete") || ""),
        label: labelOf(f),
        value: String(f.value)
      });
    }
    if (seen.length === 0) {
      return;
    }
    send({ host: host, trigger: trigger, context: pageContext(), fields: seen });
  }

  // A control that submits or moves the sign-in forward. "Back", "Cancel" and
  // "Forgot password" do not.
  var NOT_SUBMIT = /(^|[^a-z])(back|cancel|forgot|reset|show|hide|close)([^a-z]|$)/i;
  function submitControl(el) {
    if (!el || !el.closest) {
      return null;
    }
    var c = el.closest("button, input[type=submit], input[type=button], input[type=image], [role=button]");
    if (!c) {
      return null;
    }
    var words = [c.id, c.getAttribute("name"), c.value, c.textContent].filter(Boolean).join(" ");
    return NOT_SUBMIT.test(words) ? null : c;
  }

  function firstInPath(e) {
    var path = e.composedPath ? e.composedPath() : [];
    return path.length ? path[0] : e.target;
  }

  // Capture phase on window: before the page's own handlers can clear a field.
  window.addEventListener("click", function (e) {
    var c = submitControl(firstInPath(e));
    if (c) {
      snapshot("click", c);
    }
  }, true);
  window.addEventListener("keydown", function (e) {
    if (e.key !== "Enter") {
      return;
    }
    var t = firstInPath(e);
    if (t && t.tagName === "INPUT") {
      snapshot("enter", t);
    }
  }, true);
  // `submit` does not leave a shadow root; clicks and Enter (composed) cover
  // forms inside shadow DOM.
  window.addEventListener("submit", function (e) {
    snapshot("submit", e.target);
  }, true);
})
