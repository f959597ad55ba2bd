/* The teachers' composer (workflows.composer): each chosen file goes up at once, with
   its own progress, while the teacher types; the answer becomes a card to tap pupils on.
   Check and Submit stay ordinary form posts, so the page works without this script.
   CSP-clean: no inline script, no eval, no HTML built from strings. */
(function () {
  "use strict";

  var form = document.querySelector("[data-composer]");
  if (!form) {
    return;
  }
  var list = form.querySelector("[data-composer-items]");
  var status = form.querySelector("[data-composer-status]");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var pending = 0;

  function classId() {
    return form.elements.class_page.value;
  }

  function say(text) {
    status.textContent = text;
  }

  function blankCard(kind, key) {
    var selector = 'template[data-composer-template="' + classId() + "-" + kind + '"]';
    var template = document.querySelector(selector);
    var card = template.content.firstElementChild.cloneNode(true);
    card.setAttribute("data-key", key);
    card.querySelectorAll("[name], [id], [for], [value]").forEach(function (node) {
      ["name", "id", "for", "value"].forEach(function (attribute) {
        var value = node.getAttribute(attribute);
        if (value && value.indexOf("__KEY__") !== -1) {
          node.setAttribute(attribute, value.split("__KEY__").join(key));
        }
      });
    });
    return card;
  }

  function fill(card, answer) {
    var thumbnail = card.querySelector("[data-composer-thumbnail]");
    if (thumbnail && answer.thumbnail) {
      thumbnail.src = answer.thumbnail;
      thumbnail.hidden = false;
    }
    card.querySelector("[data-composer-title]").textContent = answer.title;
    if (answer.faces) {
      card.querySelector("[data-composer-faces]").textContent =
        answer.faces + (answer.faces === 1 ? " face" : " faces") + " found: tap everyone in it.";
    }
    card.querySelector('input[name^="alt-"]').value = answer.alt_text || "";
    card.querySelector("[data-composer-remove]").hidden = false;
  }

  function placeholder(file) {
    var item = document.createElement("li");
    item.className = "composer-item composer-item--pending";
    var name = document.createElement("span");
    name.className = "composer-item__title";
    name.textContent = file.name;
    var progress = document.createElement("progress");
    progress.max = 100;
    progress.value = 0;
    progress.setAttribute("aria-label", "Uploading " + file.name);
    item.appendChild(name);
    item.appendChild(progress);
    list.appendChild(item);
    return item;
  }

  function failed(item, message) {
    item.classList.add("composer-item--failed");
    var progress = item.querySelector("progress");
    if (progress) {
      progress.remove();
    }
    var error = document.createElement("p");
    error.className = "error-message";
    error.setAttribute("role", "alert");
    error.textContent = "Not uploaded: " + message;
    var dismiss = document.createElement("button");
    dismiss.type = "button";
    dismiss.className = "button button-small button-secondary";
    dismiss.textContent = "Dismiss";
    dismiss.addEventListener("click", function () {
      item.remove();
    });
    item.appendChild(error);
    item.appendChild(dismiss);
  }

  // One file at a time: each shows its own progress, and a phone's slow upload is not
  // shared between several files that would all finish late.
  var queue = [];
  var sending = false;

  function finished() {
    pending -= 1;
    sending = false;
    if (pending === 0) {
      say("Every file is uploaded.");
    }
    next();
  }

  function next() {
    if (!sending && queue.length) {
      sending = true;
      send(queue.shift());
    }
  }

  function upload(file) {
    pending += 1;
    say("Uploading…");
    queue.push({ file: file, item: placeholder(file) });
    next();
  }

  function send(job) {
    var file = job.file;
    var item = job.item;
    var data = new FormData();
    data.append("class_page", classId());
    data.append("file", file);
    var request = new XMLHttpRequest();
    request.open("POST", form.getAttribute("data-upload-url"));
    request.setRequestHeader("X-CSRFToken", csrf);
    request.setRequestHeader("Accept", "application/json");
    request.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) {
        item.querySelector("progress").value = (event.loaded / event.total) * 100;
      }
    });
    request.addEventListener("load", function () {
      var answer = {};
      try {
        answer = JSON.parse(request.responseText);
      } catch (error) {
        answer = { error: "The server did not answer. Choose the file again." };
      }
      if (request.status === 200 && answer.id) {
        var card = blankCard(answer.kind, answer.kind + ":" + answer.id);
        fill(card, answer);
        list.replaceChild(card, item);
      } else {
        failed(item, answer.error || "The file could not be stored.");
      }
      finished();
    });
    request.addEventListener("error", function () {
      failed(item, "the connection dropped. Choose the file again.");
      finished();
    });
    request.send(data);
  }

  list.querySelectorAll("[data-composer-remove]").forEach(function (button) {
    button.hidden = false;
  });

  form.querySelectorAll("[data-composer-files]").forEach(function (input) {
    input.addEventListener("change", function () {
      Array.prototype.forEach.call(input.files, upload);
      input.value = ""; // already sent: the form must not send it again
    });
  });

  list.addEventListener("click", function (event) {
    var button = event.target.closest("[data-composer-remove]");
    if (!button) {
      return;
    }
    var card = button.closest("[data-composer-item]");
    var data = new FormData();
    data.append("class_page", classId());
    data.append("item", card.getAttribute("data-key"));
    var request = new XMLHttpRequest();
    request.open("POST", form.getAttribute("data-remove-url"));
    request.setRequestHeader("X-CSRFToken", csrf);
    request.send(data);
    card.remove();
    say("Removed.");
  });

  form.addEventListener("submit", function (event) {
    if (pending > 0) {
      event.preventDefault();
      say("Wait until every file is uploaded, then try again.");
    }
  });

  var kind = form.elements.kind;
  var date = form.querySelector("[data-composer-date]");
  var dated = date.getAttribute("data-kinds").split(" ");
  function showDate() {
    date.hidden = dated.indexOf(kind.value) === -1;
  }
  kind.addEventListener("change", showDate);
  showDate();

  var chooser = form.querySelector("select[name=class_page]");
  if (chooser) {
    chooser.addEventListener("change", function () {
      if (list.querySelector("[data-composer-item]")) {
        say("Files already added belong to the class chosen first: remove them or choose it again.");
      }
    });
  }
})();
