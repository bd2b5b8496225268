/* The UDC and hotline console: show only the parts that apply to the filing, only the chosen office's
   services, and search offices as the operator types. */
(function () {
  // Without this script every part shows and the server ignores what does not apply.
  var form = document.querySelector("form.console-form");
  if (form) {
    var contact = document.getElementById("contact"), reference = document.getElementById("reference");
    var office = form.elements.office, service = form.elements.service;
    var sync = function () {
      var anonymous = form.querySelector("input[name=type][value=anonymous]");
      contact.hidden = !!(anonymous && anonymous.checked);
      var paper = form.querySelector("input[name=channel][value=paper]");
      if (reference) reference.hidden = !(paper && paper.checked);
      if (!service) return;
      // Only the chosen office's services.
      Array.prototype.forEach.call(service.querySelectorAll("option[data-office]"), function (option) {
        option.hidden = option.disabled = option.dataset.office !== office.value;
      });
      Array.prototype.forEach.call(service.querySelectorAll("optgroup"), function (group) {
        group.hidden = !group.querySelector("option:not([hidden])");
      });
      if (service.selectedOptions[0] && service.selectedOptions[0].hidden) service.value = "";
    };
    form.addEventListener("change", sync);
    sync();
  }

  // Live office search; the search button still works without it.
  var q = document.getElementById("q"), results = document.getElementById("office-results");
  if (!q || !window.fetch) return;
  var timer, asked = 0, bangla = document.documentElement.lang === "bn";
  q.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var text = q.value.trim(), ticket = ++asked;
      if (text.length < 2) return;
      fetch(q.dataset.api + "?page_size=20&search=" + encodeURIComponent(text), {headers: {Accept: "application/json"}})
        .then(function (response) { return response.ok ? response.json() : Promise.reject(response); })
        .then(function (data) {
          if (ticket !== asked) return;  // a later search already answered
          var list = document.createElement("ul");
          list.className = "choices";
          data.results.forEach(function (office) {
            var item = document.createElement("li"), link = document.createElement("a"), meta = document.createElement("span");
            link.href = "?office=" + encodeURIComponent(office.code);
            link.textContent = (bangla ? office.name_bn : office.name_en) || office.name_en;
            meta.className = "meta";
            meta.textContent = office.code;
            item.append(link, " ", meta);
            list.append(item);
          });
          if (data.results.length) {
            results.replaceChildren(list);
          } else {
            var none = document.createElement("p");
            none.textContent = q.dataset.none;
            results.replaceChildren(none);
          }
        })
        .catch(function () {});
    }, 250);
  });
})();
