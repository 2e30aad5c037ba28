// Passkeys in the console: the WebAuthn ceremonies of the passkeys page (add a
// passkey) and of the sign-in page (sign in with one). The server answers each
// begin with the options for navigator.credentials as JSON, binary values in
// base64url, and takes the browser's answer back the same way; this script turns
// one into the other. Without it, or without WebAuthn, the pages say so, and the
// emailed links keep working.
"use strict";
(function () {
  var supported = !!(window.PublicKeyCredential && navigator.credentials && window.fetch);

  function toBuffer(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }

  function toBase64url(buf) {
    var bytes = new Uint8Array(buf), bin = "";
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  // post sends fields as a form, as the console's forms do (the CSRF token in its
  // field), and returns the JSON answer, or fails with the answer's message.
  function post(url, fields) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
      body: new URLSearchParams(fields)
    }).then(function (res) {
      var type = res.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") !== 0) {
        throw new Error("The console did not answer as expected. Reload the page and try again.");
      }
      return res.json().then(function (body) {
        if (!res.ok) throw new Error(body.error || "Something went wrong. Please try again.");
        return body;
      });
    });
  }

  function descriptors(list) {
    return (list || []).map(function (c) {
      var d = Object.assign({}, c);
      d.id = toBuffer(c.id);
      return d;
    });
  }

  function creationOptions(o) {
    var pk = Object.assign({}, o.publicKey);
    pk.challenge = toBuffer(pk.challenge);
    pk.user = Object.assign({}, pk.user, {id: toBuffer(pk.user.id)});
    pk.excludeCredentials = descriptors(pk.excludeCredentials);
    return {publicKey: pk};
  }

  function requestOptions(o) {
    var pk = Object.assign({}, o.publicKey);
    pk.challenge = toBuffer(pk.challenge);
    pk.allowCredentials = descriptors(pk.allowCredentials);
    return {publicKey: pk};
  }

  // credentialJSON is a PublicKeyCredential as the server reads it.
  function credentialJSON(cred) {
    var r = cred.response, response = {clientDataJSON: toBase64url(r.clientDataJSON)};
    if (r.attestationObject) {
      response.attestationObject = toBase64url(r.attestationObject);
      if (r.getTransports) response.transports = r.getTransports();
    } else {
      response.authenticatorData = toBase64url(r.authenticatorData);
      response.signature = toBase64url(r.signature);
      if (r.userHandle) response.userHandle = toBase64url(r.userHandle);
    }
    var out = {
      id: cred.id, rawId: toBase64url(cred.rawId), type: cred.type, response: response,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {}
    };
    if (cred.authenticatorAttachment) out.authenticatorAttachment = cred.authenticatorAttachment;
    return JSON.stringify(out);
  }

  function failure(err) {
    if (err && err.name === "NotAllowedError") return "The passkey prompt was closed or timed out. Try again when you are ready.";
    if (err && err.name === "InvalidStateError") return "This device or security key holds one of your passkeys already.";
    if (err && err.name === "SecurityError") return "The browser refused passkeys at this address.";
    return (err && err.message) || "Something went wrong. Please try again.";
  }

  function show(id, visible) {
    var el = document.getElementById(id);
    if (el) el.hidden = !visible;
  }

  function say(id, text) {
    var el = document.getElementById(id);
    if (el) el.textContent = text;
  }

  // The passkeys page: add a passkey.
  var add = document.getElementById("passkey-add");
  if (add) {
    if (!supported) {
      say("passkey-nojs", "This browser cannot create passkeys. Signing in with an email link still works.");
    } else {
      show("passkey-nojs", false);
      add.hidden = false;
      add.addEventListener("submit", function (ev) {
        ev.preventDefault();
        var csrf = add.elements.csrf.value, name = add.elements.name.value;
        var button = add.querySelector("button");
        button.disabled = true;
        say("passkey-status", "Follow your browser's prompt to create the passkey.");
        post(add.getAttribute("action"), {csrf: csrf})
          .then(function (o) { return navigator.credentials.create(creationOptions(o)); })
          .then(function (cred) {
            return post(add.getAttribute("data-finish"), {csrf: csrf, name: name, credential: credentialJSON(cred)});
          })
          .then(function (body) { window.location.assign(body.redirect); })
          .catch(function (err) {
            say("passkey-status", failure(err));
            button.disabled = false;
          });
      });
    }
  }

  // The sign-in page: sign in with a passkey.
  var signIn = document.getElementById("passkey-sign-in");
  if (signIn && supported) {
    signIn.hidden = false;
    var button = signIn.querySelector("button");
    button.addEventListener("click", function () {
      button.disabled = true;
      say("passkey-status", "Follow your browser's prompt to use your passkey.");
      post(signIn.getAttribute("data-begin"), {})
        .then(function (o) { return navigator.credentials.get(requestOptions(o)); })
        .then(function (cred) { return post(signIn.getAttribute("data-finish"), {credential: credentialJSON(cred)}); })
        .then(function (body) { window.location.assign(body.redirect); })
        .catch(function (err) {
          say("passkey-status", failure(err));
          button.disabled = false;
        });
    });
  }
})();
