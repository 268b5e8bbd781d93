/* The ops board in place (DESIGN 7 "Host stand"): row actions, their steps and "Seat walk-in" without a page load.

   Every control on the board is an ordinary link or form that works without this script (the server answers
   an action by returning to the board at the row's anchor). This script makes the same requests with fetch,
   reads the board the server answers with, and swaps in the rows that changed, the counts and the messages:
   the scroll position stays where it was and the focus goes back to the row (its first button). A step with a
   form (assign, decline, cancel) opens in a dialog. If anything goes wrong, the ordinary navigation happens. */
(function () {
  "use strict";

  function csrfToken() {
    const field = document.querySelector("[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  async function fetchPage(url, init) {
    const response = await fetch(url, Object.assign({ credentials: "same-origin", headers: { "X-Requested-With": "fetch" } }, init));
    if (!response.ok) throw new Error("HTTP " + response.status);
    return new DOMParser().parseFromString(await response.text(), "text/html");
  }

  function isBoard(doc) {
    return Boolean(doc.querySelector("[data-tk-board]") || doc.getElementById("changelist-form"));
  }

  function announce(doc) {
    const fresh = doc.querySelector("ul.messagelist");
    const current = document.querySelector("ul.messagelist");
    const live = document.getElementById("tk-live");
    if (fresh) {
      const node = document.importNode(fresh, true);
      if (current) current.replaceWith(node);
      else document.getElementById("content").before(node);
      if (live) live.textContent = fresh.textContent.replace(/\s+/g, " ").trim();
    } else if (current) {
      current.remove();
    }
  }

  function replaceIfBoth(selector, doc) {
    const fresh = doc.querySelector(selector);
    const current = document.querySelector(selector);
    if (fresh && current) current.replaceWith(document.importNode(fresh, true));
  }

  function focusRow(row, reveal) {
    if (!row) return;
    const target = row.querySelector(".tk-action") || row.querySelector("a, button, input");
    if (reveal) row.scrollIntoView({ block: "nearest" });
    if (target) target.focus({ preventScroll: true });
  }

  /* Swap the board's rows for the ones in `doc`; returns the ids of rows that were not there before. */
  function swapBoard(doc, focusId) {
    const x = window.scrollX;
    const y = window.scrollY;
    const body = document.querySelector("#result_list tbody");
    const freshBody = doc.querySelector("#result_list tbody");
    const added = [];
    if (body && freshBody) {
      const wanted = Array.from(freshBody.rows);
      const ids = new Set(wanted.map((row) => row.id));
      Array.from(body.rows).forEach((row) => { if (!ids.has(row.id)) row.remove(); });
      let previous = null;
      wanted.forEach((row) => {
        const old = row.id ? document.getElementById(row.id) : null;
        if (old && old.outerHTML === row.outerHTML) { previous = old; return; }
        const node = document.importNode(row, true);
        if (old) old.replaceWith(node);
        else { added.push(row.id); if (previous) previous.after(node); else body.prepend(node); }
        previous = node;
      });
    } else {
      const form = doc.getElementById("changelist-form");
      const current = document.getElementById("changelist-form");
      if (form && current) current.replaceWith(document.importNode(form, true));
      if (freshBody) Array.from(freshBody.rows).forEach((row) => added.push(row.id));
    }
    replaceIfBoth(".tk-counts", doc);
    replaceIfBoth("[data-tk-earlier-count]", doc);
    announce(doc);
    window.scrollTo(x, y);
    const id = focusId || added[0];
    if (id) {
      const row = document.getElementById(id);
      if (row) {
        row.classList.add("tk-swapped");
        focusRow(row, !focusId);
      }
    }
    return added;
  }

  /* --- row buttons without a step: POST, then swap ------------------------------------------ */
  async function act(button) {
    const row = button.closest("tr");
    const body = new FormData();
    body.append("csrfmiddlewaretoken", csrfToken());
    button.disabled = true;
    try {
      const doc = await fetchPage(button.formAction, { method: "POST", body: body });
      if (!isBoard(doc)) throw new Error("not the board");
      swapBoard(doc, row ? row.id : null);
    } catch (error) {
      button.disabled = false;
      button.dataset.tkPlain = "1";
      button.click(); // the ordinary form submission
    }
  }

  /* --- a step with a form, in a dialog ---------------------------------------------------------- */
  const dialog = document.getElementById("tk-dialog");
  let opener = null;

  function showStep(step, url, rowId) {
    dialog.querySelector("#tk-dialog-title").textContent = step.dataset.title || "";
    const holder = dialog.querySelector(".tk-dialog-body");
    holder.replaceChildren(document.importNode(step, true));
    const form = holder.querySelector("form");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const submit = form.querySelector("[type=submit]");
      if (submit) submit.disabled = true;
      try {
        const doc = await fetchPage(url, { method: "POST", body: new FormData(form) });
        const again = doc.getElementById("tk-action-step");
        if (again) { showStep(again, url, rowId); return; }
        if (!isBoard(doc)) throw new Error("not the board");
        dialog.close();
        swapBoard(doc, rowId);
      } catch (error) {
        form.action = url;
        form.submit();
      }
    });
    if (!dialog.open) dialog.showModal();
    const first = holder.querySelector(".errornote, .errorlist") ? holder.querySelector("[aria-invalid], .errors input, .errors select, .errors textarea, .errornote") : null;
    const target = first || holder.querySelector("input:not([type=hidden]), select, textarea");
    if (target) {
      if (target.classList.contains("errornote")) target.setAttribute("tabindex", "-1");
      target.focus();
    }
  }

  async function openStep(link) {
    const row = link.closest("tr");
    opener = link;
    try {
      const doc = await fetchPage(link.href);
      const step = doc.getElementById("tk-action-step");
      if (!step) throw new Error("no step");
      showStep(step, link.href, row ? row.id : null);
    } catch (error) {
      window.location.assign(link.href);
    }
  }

  if (dialog) {
    dialog.addEventListener("click", (event) => {
      if (event.target.closest("[data-tk-close]")) { event.preventDefault(); dialog.close(); }
    });
    dialog.addEventListener("close", () => {
      if (opener && document.contains(opener)) opener.focus({ preventScroll: true });
      opener = null;
    });
  }

  /* --- "Seat walk-in": party size, then the table -------------------------------------------- */
  async function seatParty(form, submitter) {
    const panel = form.closest("[data-tk-seat]");
    const result = panel.querySelector("[data-tk-seat-result]");
    const query = new URLSearchParams(new FormData(form, submitter));
    const doc = await fetchPage(form.action + "?" + query.toString());
    const options = doc.getElementById("tk-seat-options");
    if (!options) throw new Error("no options");
    result.replaceChildren(document.importNode(options, true));
    panel.querySelectorAll(".tk-chip[aria-pressed]").forEach((chip) => { chip.classList.remove("selected"); chip.removeAttribute("aria-pressed"); });
    if (submitter && submitter.name === "party") { submitter.classList.add("selected"); submitter.setAttribute("aria-pressed", "true"); }
    const first = result.querySelector(".tk-seat-choice") || result.querySelector("#tk-seat-options");
    if (first) first.focus();
  }

  async function seatChoose(form, submitter) {
    const panel = form.closest("[data-tk-seat]");
    const result = panel.querySelector("[data-tk-seat-result]");
    submitter.disabled = true;
    const body = new FormData(form, submitter);
    const doc = await fetchPage(form.action, { method: "POST", body: body });
    if (isBoard(doc)) {
      result.replaceChildren();
      panel.open = false;
      swapBoard(doc, null);
      return;
    }
    const options = doc.getElementById("tk-seat-options");
    if (!options) throw new Error("no options");
    announce(doc);
    result.replaceChildren(document.importNode(options, true));
    const first = result.querySelector(".tk-seat-choice") || result.querySelector("#tk-seat-options");
    if (first) first.focus();
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button.tk-action[formaction]");
    if (button && button.closest("#result_list")) {
      if (button.dataset.tkPlain) { delete button.dataset.tkPlain; return; }
      event.preventDefault();
      act(button);
      return;
    }
    const link = event.target.closest("a.tk-action");
    if (link && link.closest("#result_list")) {
      event.preventDefault();
      openStep(link);
    }
  });

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!form.closest("[data-tk-seat]") || form.dataset.tkPlain) return;
    const step = form.matches("[data-tk-seat-party]") ? seatParty : form.matches("[data-tk-seat-choose]") ? seatChoose : null;
    if (!step) return;
    event.preventDefault();
    const submitter = event.submitter;
    step(form, submitter).catch(() => {
      form.dataset.tkPlain = "1";
      form.requestSubmit(submitter && document.contains(submitter) ? submitter : null);
    });
  });
})();
