// The help centre's new request form: while the customer types the subject, suggest
// articles; "This answers my question" records a deflection and files nothing.
(function () {
  "use strict";
  var form = document.getElementById("new-request");
  var box = document.getElementById("deflection");
  if (!form || !box) return;
  var subject = form.querySelector("#subject");
  var list = box.querySelector("ol");
  var csrf = form.querySelector("input[name=csrf_token]").value;
  var timer = null;

  function show(articles) {
    list.textContent = "";
    articles.forEach(function (article) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = box.dataset.articleUrl.replace("0", String(article.id));
      link.textContent = article.title;
      link.target = "_blank";
      var helped = document.createElement("button");
      helped.type = "button";
      helped.className = "deflect";
      helped.textContent = "This answers my question";
      helped.addEventListener("click", function () { deflect(article.id); });
      item.append(link, " ", helped);
      list.append(item);
    });
    box.hidden = articles.length === 0;
  }

  function deflect(articleId) {
    var body = new URLSearchParams({ article_id: String(articleId), query: subject.value, csrf_token: csrf });
    fetch(box.dataset.deflectUrl, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) return;
        form.hidden = true;
        var done = document.getElementById("deflected");
        if (done) done.hidden = false;
      });
  }

  subject.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var query = subject.value.trim();
      if (query.length < 3) { show([]); return; }
      fetch(box.dataset.suggestUrl + "?q=" + encodeURIComponent(query), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : { articles: [] }; })
        .then(function (data) { show(data.articles || []); });
    }, 300);
  });
})();
