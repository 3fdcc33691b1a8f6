/* The workflow editor: the steps as cards in a vertical flow, a branch as two columns
   (yes / no). Cards can be added, removed, moved up and down and edited; every change is
   written as JSON into the form's steps field, which the server checks when saved. */
(function () {
  "use strict";
  var form = document.getElementById("workflow-form");
  var canvas = document.getElementById("workflow-canvas");
  var field = document.getElementById("workflow-steps");
  if (!form || !canvas || !field) { return; }
  var choices = JSON.parse(document.getElementById("workflow-choices").textContent || "{}");
  var TYPES = {
    wait: "Wait", email: "Send email", tag: "Add tag", field: "Update field",
    assign: "Assign to rep", notify: "Notify rep in Slack", branch: "Branch on a condition"
  };
  var SETTINGS = {
    wait: [["days", "number", "Days"], ["hours", "number", "Hours"], ["minutes", "number", "Minutes"]],
    email: [["campaign_id", "campaigns", "Campaign (its mail is sent)"]],
    tag: [["tag", "text", "Tag"]],
    field: [["field", "text", "Field (vip, tier or custom:KEY)"], ["value", "text", "Value"]],
    assign: [["agent_id", "agents", "Rep"]],
    notify: [["agent_id", "agents", "Rep (none: the customer's owner)"], ["text", "text", "Message"]],
    branch: [["condition", "text", "Condition: a segment rule (opened = 4, vip = true)"]]
  };
  var steps;
  try {
    steps = JSON.parse(field.value || "[]");
    if (!Array.isArray(steps)) { throw new Error("not a list"); }
  } catch (error) {
    canvas.textContent = "The steps below are not valid JSON: fix them by hand, or clear them.";
    return;
  }

  function element(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function allIds(list, found) {
    list.forEach(function (step) {
      found[step.id] = true;
      allIds(step.yes || [], found);
      allIds(step.no || [], found);
    });
    return found;
  }

  function newStep(type) {
    var ids = allIds(steps, {});
    var n = 1;
    while (ids["s" + n]) { n += 1; }
    var step = { id: "s" + n, type: type };
    if (type === "wait") { step.days = 1; step.hours = 0; step.minutes = 0; }
    if (type === "email") { step.campaign_id = choices.campaigns.length ? choices.campaigns[0].id : null; }
    if (type === "tag") { step.tag = ""; }
    if (type === "field") { step.field = "vip"; step.value = "true"; }
    if (type === "assign") { step.agent_id = choices.agents.length ? choices.agents[0].id : null; }
    if (type === "notify") { step.agent_id = null; step.text = ""; }
    if (type === "branch") { step.condition = ""; step.yes = []; step.no = []; }
    return step;
  }

  function sync() { field.value = JSON.stringify(steps); }

  function setting(step, spec) {
    var name = spec[0], kind = spec[1];
    var label = element("label", {}, spec[2] + " ");
    var input;
    if (kind === "campaigns" || kind === "agents") {
      input = element("select", { name: "step-" + name, "data-setting": name });
      if (kind === "agents") { input.appendChild(element("option", { value: "" }, "(none)")); }
      (choices[kind] || []).forEach(function (choice) {
        var option = element("option", { value: String(choice.id) }, choice.name);
        if (step[name] === choice.id) { option.selected = true; }
        input.appendChild(option);
      });
      if (step[name] === null || step[name] === undefined) { input.value = ""; }
    } else {
      input = element("input", { type: kind, name: "step-" + name, "data-setting": name });
      if (kind === "number") { input.min = "0"; }
      input.value = step[name] === undefined || step[name] === null ? "" : String(step[name]);
    }
    input.addEventListener("input", function () {
      var raw = input.value;
      var numeric = kind === "number" || kind === "campaigns" || kind === "agents";
      step[name] = numeric ? (raw === "" ? (kind === "number" ? 0 : null) : parseInt(raw, 10)) : raw;
      sync();
    });
    input.addEventListener("change", function () { input.dispatchEvent(new Event("input")); });
    label.appendChild(input);
    return label;
  }

  function button(text, label, action) {
    var node = element("button", { type: "button", "aria-label": label, title: label }, text);
    node.addEventListener("click", function () { action(); render(); });
    return node;
  }

  function card(list, index, number) {
    var step = list[index];
    var node = element("article", { "class": "wf-card", "data-type": step.type, "data-step": step.id });
    var header = element("header");
    header.appendChild(element("strong", {}, number + ". " + (TYPES[step.type] || step.type)));
    header.appendChild(button("↑", "Move up", function () {
      if (index > 0) { list.splice(index - 1, 0, list.splice(index, 1)[0]); }
    }));
    header.appendChild(button("↓", "Move down", function () {
      if (index < list.length - 1) { list.splice(index + 1, 0, list.splice(index, 1)[0]); }
    }));
    header.appendChild(button("✕", "Remove step", function () { list.splice(index, 1); }));
    node.appendChild(header);
    (SETTINGS[step.type] || []).forEach(function (spec) { node.appendChild(setting(step, spec)); });
    if (step.type === "branch") {
      var arms = element("div", { "class": "wf-arms" });
      ["yes", "no"].forEach(function (arm) {
        step[arm] = step[arm] || [];
        var column = element("section", { "class": "wf-arm", "data-arm": arm });
        column.appendChild(element("h4", {}, arm === "yes" ? "Yes" : "No"));
        column.appendChild(stepList(step[arm], number + "." + arm + ".", step.id + "." + arm));
        arms.appendChild(column);
      });
      node.appendChild(arms);
    }
    return node;
  }

  function adder(list, path) {
    var box = element("div", { "class": "wf-add", "data-add": path || "root" });
    var select = element("select", { "aria-label": "New step type" });
    Object.keys(TYPES).forEach(function (type) {
      select.appendChild(element("option", { value: type }, TYPES[type]));
    });
    box.appendChild(select);
    box.appendChild(button("Add step", "Add step", function () { list.push(newStep(select.value)); }));
    return box;
  }

  function stepList(list, prefix, path) {
    var node = element("div", { "class": "wf-list" });
    list.forEach(function (_step, index) {
      if (index > 0) { node.appendChild(element("div", { "class": "wf-arrow", "aria-hidden": "true" }, "↓")); }
      node.appendChild(card(list, index, prefix + (index + 1)));
    });
    node.appendChild(adder(list, path));
    return node;
  }

  function render() {
    canvas.replaceChildren(stepList(steps, "", ""));
    sync();
  }

  var trigger = form.querySelector("select[name=trigger]");
  function showTriggerSettings() {
    form.querySelectorAll(".trigger-setting").forEach(function (node) {
      node.classList.toggle("shown", node.getAttribute("data-for") === trigger.value);
    });
  }
  if (trigger) { trigger.addEventListener("change", showTriggerSettings); showTriggerSettings(); }
  form.addEventListener("submit", sync);
  render();
})();
