// The Collections page's upload form: sends the file with XMLHttpRequest so
// that a progress bar can follow the upload, then shows the result (or the
// reason the archive was refused) and reloads the lists. Without
// JavaScript the form posts normally and the answer is a page.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form || !window.XMLHttpRequest || !window.FormData) return;
  var progress = document.getElementById("upload-progress");
  var status = document.getElementById("upload-status");
  var button = document.getElementById("upload-button");

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) progress.value = Math.round(100 * e.loaded / e.total);
    });
    xhr.addEventListener("load", function () {
      var data = {};
      try { data = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
      button.disabled = false;
      if (xhr.status === 200) {
        progress.value = 100;
        status.className = "notice";
        status.textContent = data.message + (data.warnings && data.warnings.length ? " Warnings: " + data.warnings.join("; ") + "." : "");
        window.setTimeout(function () { window.location.reload(); }, 1500);
      } else {
        status.className = "error";
        status.textContent = "Not installed: " + (data.message || ("the server answered " + xhr.status + "."));
      }
    });
    xhr.addEventListener("error", function () {
      button.disabled = false;
      status.className = "error";
      status.textContent = "The upload failed: the connection was lost.";
    });
    button.disabled = true;
    progress.hidden = false;
    progress.value = 0;
    status.className = "hint";
    status.textContent = "Uploading…";
    xhr.send(new FormData(form));
  });
})();
