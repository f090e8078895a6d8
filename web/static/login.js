// The sign-in form (a file, not an inline script: the Content-Security-Policy allows no inline script).
document.querySelector("#login-form").onsubmit = async (e) => {
  e.preventDefault();
  const res = await fetch("/api/auth/login", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: document.querySelector("#username").value, password: document.querySelector("#password").value }) });
  if (res.ok) { location.href = "/"; return; }
  const err = document.querySelector("#login-error");
  err.textContent = (await res.json()).detail || "登录失败"; err.hidden = false;
};
