// The console's magnet upload: the chosen file goes from the browser straight to
// the bucket. It asks the console for an upload link for the file's name, type and
// size; PUTs the file to it, showing the progress; then tells the console the
// upload is finished, which checks the file in the bucket before the magnet takes
// it. Without this script the page explains how to upload with leadctl.
"use strict";
(function () {
  var form = document.getElementById("upload-form");
  if (!form || !window.XMLHttpRequest || !window.fetch || !window.URLSearchParams) {
    return;
  }
  var input = document.getElementById("upload-file");
  var button = document.getElementById("upload-start");
  var bar = document.getElementById("upload-progress");
  var percent = document.getElementById("upload-percent");
  var status = document.getElementById("upload-status");
  var maxBytes = Number(form.getAttribute("data-max-bytes"));
  var csrf = form.elements.csrf.value;
  var shown = -1;

  document.getElementById("upload-nojs").hidden = true;
  form.hidden = false;

  function say(text) {
    status.textContent = text;
  }

  // progress moves the bar at once, and the spoken percentage in steps of ten.
  function progress(pct) {
    bar.value = pct;
    var step = Math.floor(pct / 10) * 10;
    if (step !== shown || pct === 100) {
      shown = step;
      percent.textContent = pct + "% uploaded";
    }
  }

  // problem turns a console answer into a sentence.
  function problem(answer, fallback) {
    if (answer && answer.fields && answer.fields.length) {
      return answer.fields.map(function (f) { return f.message; }).join("; ");
    }
    return (answer && answer.message) || fallback;
  }

  // ask POSTs fields with the form's CSRF token and resolves to the JSON answer.
  function ask(url, fields) {
    fields.csrf = csrf;
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString()
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (answer) {
        if (!res.ok) {
          throw new Error(problem(answer, res.status === 403
            ? "The console refused the request: reload the page (you may have been signed out) and try again."
            : "The console answered " + res.status + ": please try again."));
        }
        return answer;
      });
    });
  }

  // put sends the file to the link with the signed type; the browser sets its
  // Content-Length, which the link signs too.
  function put(link, file) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open(link.method || "PUT", link.url);
      xhr.setRequestHeader("Content-Type", link.content_type);
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable && e.total > 0) {
          progress(Math.floor((e.loaded * 100) / e.total));
        }
      };
      xhr.onload = function () {
        if (xhr.status >= 200 && xhr.status < 300) {
          progress(100);
          resolve();
        } else {
          reject(new Error("The bucket refused the file (" + xhr.status + "). Please try again."));
        }
      };
      xhr.onerror = function () {
        reject(new Error("The upload did not get through. Check the connection and try again."));
      };
      xhr.send(file);
    });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var file = input.files && input.files[0];
    if (!file) {
      say("Choose a file first.");
      return;
    }
    if (file.size < 1 || file.size > maxBytes) {
      say("This file is " + file.size + " bytes: a magnet file is 1 byte to " + maxBytes + " bytes.");
      return;
    }
    var about = { file_name: file.name, content_type: file.type || "application/octet-stream", size: String(file.size) };
    button.disabled = true;
    input.disabled = true;
    bar.hidden = false;
    shown = -1;
    progress(0);
    say("Uploading " + file.name + "...");
    ask(form.action, about)
      .then(function (link) { return put(link, file); })
      .then(function () { return ask(form.getAttribute("data-finished"), about); })
      .then(function (answer) {
        say(answer.message || "Uploaded.");
      })
      .catch(function (err) {
        say(err.message);
      })
      .then(function () {
        button.disabled = false;
        input.disabled = false;
      });
  });
})();
