"""The load benchmark's users (a locustfile): people opening their signing links, reading and signing, and staff
signed in viewing their pages. Run by `bench.bench_load`, never on its own.

Settings come from the environment:
  COUNTERSIGN_BENCH_LOAD_SIDE   "ours" (Countersign) or "minimal" (the baseline app, `bench.minimal_app`)
  COUNTERSIGN_BENCH_LOAD_DATA   a JSON file: the signing links of this run, the staff and their documents, the
                                password, and for the minimal app the writes each request makes
  COUNTERSIGN_BENCH_LOAD_OUT    where to write, at the end, every request (name, status, ms, error) and each
                                signature the user saw confirmed

Each journey comes from its own address (X-Forwarded-For, the app behind one proxy), as people on their own
computers would: the throttle per address stays at its production setting.
"""

from __future__ import annotations

import json
import os
import random
import re
import time

from locust import FastHttpUser, between, events, task

SIDE = os.environ.get("COUNTERSIGN_BENCH_LOAD_SIDE", "ours")
DATA = json.loads(open(os.environ["COUNTERSIGN_BENCH_LOAD_DATA"]).read()) if "COUNTERSIGN_BENCH_LOAD_DATA" in os.environ else {}
LINKS = list(DATA.get("links", []))
STAFF = list(DATA.get("staff", []))
WRITES = DATA.get("writes", {})
RECORDS: list[list] = []
CONFIRMED: list[list] = []

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
REVIEWED = re.compile(r'name="reviewed_sha256"[^>]*value="([^"]*)"')


@events.request.add_listener
def _record(request_type, name, response_time, response_length, response=None, exception=None, **_kwargs):
    status = getattr(response, "status_code", 0) if response is not None else 0
    RECORDS.append([name, status, round(response_time, 2), repr(exception) if exception else "", time.time()])


@events.quitting.add_listener
def _write(**_kwargs):
    with open(os.environ["COUNTERSIGN_BENCH_LOAD_OUT"], "w") as out:
        json.dump({"requests": RECORDS, "confirmed": CONFIRMED, "links_left": len(LINKS)}, out)


def _writes(name: str) -> int:
    """The writes the app's own request of this name made: a mean of 7.5 is 7 or 8, half the time each."""
    mean = WRITES.get(name, 0)
    return int(mean) + (random.random() < mean - int(mean))


def _address() -> str:
    return f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


class Signer(FastHttpUser):
    """Opens an emailed link, reads the page and the PDF, signs (two steps: Sign, then Confirm and sign)."""

    weight = 3
    wait_time = between(0, 0.05)

    @task
    def sign(self) -> None:
        if not LINKS:
            time.sleep(0.5)
            return
        link = LINKS.pop()
        headers = {"X-Forwarded-For": _address()}
        if SIDE == "minimal":
            LINKS.insert(0, link)  # nothing is really signed here: the same journeys again, never running out
            self._minimal(link, headers)
            return
        path = link["path"]
        with self.client.get(path, headers=headers, name="open link", catch_response=True) as page:
            csrf, reviewed = CSRF.search(page.text or ""), REVIEWED.search(page.text or "")
            if page.status_code != 200 or not csrf or not reviewed:
                page.failure(f"signing page without its form ({page.status_code})")
                return
        self.client.get(f"{path}/document.pdf", headers=headers, name="the PDF")
        form = {"csrf_token": csrf.group(1), "decision": "sign", "consent": "yes", "typed_name": link["name"],
                "reviewed_sha256": reviewed.group(1)}
        with self.client.post(path, data=form, headers=headers, name="sign", catch_response=True) as confirm:
            if confirm.status_code != 200 or 'name="confirmed"' not in (confirm.text or ""):
                confirm.failure(f"no confirmation step ({confirm.status_code})")
                return
        with self.client.post(path, data={**form, "confirmed": "yes"}, headers=headers, name="confirm and sign",
                              catch_response=True) as done:
            text = done.text or ""
            if done.status_code == 200 and ("You have signed" in text or "Signed by both" in text):
                CONFIRMED.append([link["document_id"], link["party"]])
            else:
                done.failure(f"signature not confirmed ({done.status_code})")

    def _minimal(self, link: dict, headers: dict) -> None:
        for name, method in (("open link", "GET"), ("the PDF", "GET"), ("sign", "POST"),
                             ("confirm and sign", "POST")):
            response = self.client.request(method, f"/{name.replace(' ', '_')}?writes={_writes(name)}",
                                           headers=headers, name=name)
            if response.status_code != 200:
                return
        CONFIRMED.append([link["document_id"], link["party"]])


class Staff(FastHttpUser):
    """A supervisor signed in: their home page and their documents' pages."""

    weight = 1
    wait_time = between(0, 0.05)

    def on_start(self) -> None:
        self.person = random.choice(STAFF)
        self.headers = {"X-Forwarded-For": _address()}
        if SIDE == "minimal":
            self.client.post(f"/sign_in?writes={_writes('sign in')}", headers=self.headers, name="sign in")
            return
        page = self.client.get("/sign-in", headers=self.headers, name="sign-in page")
        csrf = CSRF.search(page.text or "")
        with self.client.post("/sign-in", data={"csrf_token": csrf.group(1) if csrf else "",
                                                "email": self.person["email"], "password": DATA["password"]},
                              headers=self.headers, name="sign in", allow_redirects=False,
                              catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"not signed in ({response.status_code})")

    @task(2)
    def home(self) -> None:
        if SIDE == "minimal":
            self.client.get(f"/home?writes={_writes('home page')}", headers=self.headers, name="home page")
            return
        with self.client.get("/", headers=self.headers, name="home page", catch_response=True,
                             allow_redirects=False) as response:
            if response.status_code != 200:
                response.failure(f"home page answered {response.status_code}")

    @task(3)
    def document(self) -> None:
        if SIDE == "minimal":
            self.client.get(f"/document?writes={_writes('document page')}", headers=self.headers,
                            name="document page")
            return
        document_id = random.choice(self.person["document_ids"])
        with self.client.get(f"/documents/{document_id}", headers=self.headers, name="document page",
                             catch_response=True, allow_redirects=False) as response:
            if response.status_code != 200:
                response.failure(f"document page answered {response.status_code}")
