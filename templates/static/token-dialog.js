// The Create Bearer Token popup of the People edit page.
//
// The button's form posts to /createBearerToken; with this script the post
// goes through fetch() and the token is shown in a modal <dialog> instead
// of a new page. Closing the dialog wipes the token from the page. Without
// JavaScript the form still works and the server answers with a page.
(function () {
  "use strict";
  var form = document.getElementById("create-token-form");
  var dialog = document.getElementById("token-dialog");
  if (!form || !dialog || typeof dialog.showModal !== "function" || !window.fetch) return;

  var button = document.getElementById("create-token-button");
  var value = document.getElementById("token-value");
  var expires = document.getElementById("token-expires");
  var replaced = document.getElementById("token-replaced");
  var copied = document.getElementById("token-copied");
  var error = document.getElementById("token-error");

  function show(id, visible) {
    var el = document.getElementById(id);
    if (el) el.hidden = !visible;
  }

  function setText(id, text) {
    var el = document.getElementById(id);
    if (el) el.textContent = text;
  }

  // The record's token status, updated without another request.
  function showStatus(data) {
    show("token-none", false);
    show("token-details", true);
    show("revoke-token-form", true);
    setText("token-state", "Active");
    setText("token-hint", data.hint);
    setText("token-created", data.created_at);
    setText("token-expires-at", data.expires_at);
    setText("token-last-used", "Never");
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    error.hidden = true;
    fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      headers: { "Accept": "application/json" },
      credentials: "same-origin",
      cache: "no-store"
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok || !data.token) {
          throw new Error(data.message || "The token could not be created (" + response.status + ").");
        }
        return data;
      });
    }).then(function (data) {
      value.value = data.token;
      expires.textContent = data.expires_at;
      replaced.hidden = !data.replaced;
      copied.textContent = "";
      showStatus(data);
      dialog.showModal();
      value.focus();
      selectAll();
    }).catch(function (e) {
      error.textContent = e.message;
      error.hidden = false;
    }).then(function () {
      button.disabled = false;
    });
  });

  // One click (or focus) selects the whole token. The mouseup that ends a
  // click would otherwise put the caret back where the pointer was.
  function selectAll() { value.setSelectionRange(0, value.value.length); }
  value.addEventListener("focus", selectAll);
  value.addEventListener("mouseup", function (e) { e.preventDefault(); selectAll(); });
  value.addEventListener("click", selectAll);

  document.getElementById("token-copy").addEventListener("click", function () {
    value.select();
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(value.value).then(function () {
        copied.textContent = "Copied to the clipboard.";
      }, function () {
        copied.textContent = "Press Ctrl+C (or \u2318C) to copy the selected token.";
      });
    } else {
      copied.textContent = "Press Ctrl+C (or \u2318C) to copy the selected token.";
    }
  });

  document.getElementById("token-close").addEventListener("click", function () {
    dialog.close();
  });

  // Escape also closes a modal dialog; either way the token leaves the page
  // and focus returns to the button that opened it.
  dialog.addEventListener("close", function () {
    value.value = "";
    expires.textContent = "";
    copied.textContent = "";
    button.focus();
  });
})();
