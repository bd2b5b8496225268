/* A receipt's print button: shown only where this script runs, since without it the button would do nothing. */
(function () {
  var button = document.querySelector("button.print");
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
})();
