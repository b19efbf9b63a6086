// The portal's only script besides htmx: CSRF header for htmx, drag-and-drop uploads with
// progress, and focus after htmx swaps. Works without it: every form also posts normally.
(function () {
  "use strict";
  // Parts that need this script (the drop zone) are hidden until it runs: class "js".
  document.documentElement.classList.add("js");
  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = csrf();
  });

  function uploadOne(zone, file, list) {
    var row = document.createElement("li");
    var label = document.createElement("span");
    label.textContent = file.name;
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", "Uploading " + file.name);
    var state = document.createElement("span");
    state.className = "state";
    row.append(label, bar, state);
    list.append(row);
    return new Promise(function (resolve) {
      var body = new FormData();
      body.append("files", file, file.name);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", zone.getAttribute("data-upload-url"));
      xhr.setRequestHeader("X-CSRF-Token", csrf());
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) { bar.value = Math.round((e.loaded / e.total) * 100); }
      });
      xhr.addEventListener("load", function () {
        var ok = xhr.status >= 200 && xhr.status < 300;
        bar.value = 100;
        var answer = {};
        try { answer = JSON.parse(xhr.responseText); } catch (ignored) { answer = {}; }
        state.textContent = ok ? "uploaded" : "failed: " + (answer.detail || xhr.statusText);
        row.className = ok ? "ok" : "error";
        resolve(ok ? answer : null);
      });
      xhr.addEventListener("error", function () {
        state.textContent = "failed: the connection dropped";
        row.className = "error";
        resolve(null);
      });
      xhr.send(body);
    });
  }

  function wireDropZone(zone) {
    var input = zone.querySelector('input[type="file"]');
    var list = document.getElementById(zone.getAttribute("data-list"));
    function send(files) {
      var jobs = Array.prototype.map.call(files, function (f) { return uploadOne(zone, f, list); });
      Promise.all(jobs).then(function (answers) {
        var done = answers.filter(function (a) { return a && a.status_url; });
        if (done.length) {
          document.body.dispatchEvent(new CustomEvent("uploads-done", { detail: done }));
        }
      });
    }
    zone.addEventListener("dragover", function (e) { e.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", function () { zone.classList.remove("over"); });
    zone.addEventListener("drop", function (e) {
      e.preventDefault();
      zone.classList.remove("over");
      send(e.dataTransfer.files);
    });
    if (input) {
      input.addEventListener("change", function () { send(input.files); input.value = ""; });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-upload-url]").forEach(wireDropZone);
  });
})();
