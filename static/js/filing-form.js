/* The citizen's filing form: hide the contact details for an anonymous filing, and send the form once. */
(function () {
  // Contact details mean nothing for an anonymous filing: hide them. Without this script they show, and are ignored.
  var form = document.querySelector("form.filing"), contact = document.getElementById("contact");
  var button = form.querySelector("button[type=submit]");
  function sync() {
    var anonymous = form.querySelector("input[name=type][value=anonymous]");
    contact.hidden = !!(anonymous && anonymous.checked);
  }
  form.addEventListener("change", sync);
  sync();
  // One press files once; the server's idempotency key covers the rest.
  form.addEventListener("submit", function () { setTimeout(function () { button.disabled = true; }, 0); });
  window.addEventListener("pageshow", function () { button.disabled = false; });
})();
