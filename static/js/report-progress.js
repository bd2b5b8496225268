/* A monthly report's page: poll its status while it is prepared, move the progress bar, and show the
 * download links (or the error) once it is finished. Without JavaScript the page refreshes itself. */
(function () {
  "use strict";
  const box = document.getElementById("report");
  if (!box || !window.fetch || box.dataset.finished === "1") return;
  const bar = document.getElementById("report-progress");
  const percent = document.getElementById("report-percent");
  const status = document.getElementById("report-status");
  const error = document.getElementById("report-error");
  const downloads = document.getElementById("report-downloads");
  let delay = 1000;
  // The percentage in the page's digits: Bangla digits (৬৫%) on a Bangla page, ASCII on an English one.
  const bangla = document.documentElement.lang.toLowerCase().startsWith("bn");
  const number = new Intl.NumberFormat(bangla ? "bn-BD" : "en", { maximumFractionDigits: 0 });

  function show(state) {
    const shown = number.format(state.progress) + "%";
    bar.value = state.progress;
    bar.textContent = shown;
    percent.textContent = shown;
    status.textContent = state.status_label;
    if (state.error) {
      error.textContent = state.error;
      error.hidden = false;
    }
    if (state.status === "done") downloads.hidden = false;
  }

  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((state) => {
        show(state);
        if (!state.finished) window.setTimeout(poll, delay);
      })
      .catch(() => {
        // A dropped link: try again, less often.
        delay = Math.min(delay * 2, 15000);
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
})();
