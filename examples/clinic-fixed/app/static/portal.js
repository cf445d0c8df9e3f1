// Sign in, then list the clinician's patients.
const form = document.getElementById("login");
const list = document.getElementById("patient-list");

async function loadPatients(query) {
  const url = query ? `/api/patients/search?q=${encodeURIComponent(query)}` : "/api/patients";
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) return;
  list.replaceChildren(...(await response.json()).map((p) => {
    const item = document.createElement("li");
    item.textContent = `${p.family_name}, ${p.given_name} (${p.mrn})`;
    return item;
  }));
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = Object.fromEntries(new FormData(form));
  const response = await fetch("/api/auth/login", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  if (response.ok) {
    form.hidden = true;
    document.getElementById("patients").hidden = false;
    await loadPatients("");
  }
});

document.getElementById("search").addEventListener("input", (event) => loadPatients(event.target.value));
