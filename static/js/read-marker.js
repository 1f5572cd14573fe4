/* Records how far a member has read a thread: a progressive enhancement.
 *
 * Reading a page changes nothing on the server (SECURITY.md 26: GET handlers never
 * change state), so the thread page carries a hidden form, #mark-page-read, holding the
 * last post that page showed and a CSRF token. This script posts it once when the page
 * loads (same origin; the answer is 204 No Content). Without JavaScript, the "Mark as
 * read" button at the top of the thread does the same for the whole thread.
 */
(function () {
  "use strict";
  var form = document.getElementById("mark-page-read");
  if (!form || !window.fetch || !window.FormData) { return; }
  fetch(form.action, {
    method: "POST", body: new FormData(form), credentials: "same-origin",
    redirect: "manual", keepalive: true
  }).catch(function () { /* the next visit records it */ });
}());
