// icaljs.mjs parses each iCalendar file named on its command line with ical.js (Mozilla's
// parser, the one Thunderbird's calendar uses) and prints one
// JSON array with a result per file, in order: {"ok": true} or {"ok": false, "error": "..."}.
//
// ical.js is a parser, not a validator, so this also reads every property value (which makes
// ical.js decode it), requires one VCALENDAR holding at least one VEVENT, and checks each
// VALARM's required properties.
//
// ical.js is found by walking up from this script's directory to the nearest node_modules that
// holds it (the repository's, installed by `npm ci`). Exit status 3 means it is missing.
// Run by invitetest.CheckICS.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

function findPackage(start, name) {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dirname(dir) === dir) return null;
  }
}

const here = dirname(fileURLToPath(import.meta.url));
const root = findPackage(here, "ical.js");
if (root === null) {
  console.error(`ical.js is not installed in any node_modules above ${here}: run \`npm ci\` in the repository root (make test does)`);
  process.exit(3);
}
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const entry = (typeof pkg.exports === "object" && pkg.exports.import) || pkg.module || pkg.main;
const { default: ICAL } = await import(pathToFileURL(join(root, entry)).href);

function check(text) {
  const parsed = ICAL.parse(text);
  if (Array.isArray(parsed[0])) {
    throw new Error(`expected one top-level component, got ${parsed.length}`);
  }
  const vcal = new ICAL.Component(parsed);
  if (vcal.name !== "vcalendar") throw new Error(`top-level component is ${vcal.name}, not vcalendar`);
  const events = vcal.getAllSubcomponents("vevent");
  if (events.length === 0) throw new Error("no vevent");
  const visit = (component) => {
    for (const prop of component.getAllProperties()) prop.getValues();
    component.getAllSubcomponents().forEach(visit);
  };
  visit(vcal);
  for (const vevent of events) {
    // RFC 5545 §3.6.6: an alarm has one ACTION and one TRIGGER (a duration, or a UTC
    // date-time), and a DISPLAY alarm a DESCRIPTION. libical's iTIP check does not look inside.
    // RFC 5546 §3.2.5: a CANCEL carries no VALARM (libical's check does not look inside).
    if (vcal.getFirstPropertyValue("method") === "CANCEL" && vevent.getAllSubcomponents("valarm").length > 0) {
      throw new Error("VALARM in a CANCEL (RFC 5546 §3.2.5)");
    }
    for (const valarm of vevent.getAllSubcomponents("valarm")) {
      for (const name of ["action", "trigger"]) {
        if (valarm.getAllProperties(name).length !== 1) throw new Error(`valarm needs exactly one ${name.toUpperCase()}`);
      }
      const trigger = valarm.getFirstProperty("trigger").getFirstValue();
      if (!(trigger instanceof ICAL.Duration || trigger instanceof ICAL.Time)) {
        throw new Error("valarm TRIGGER is neither a duration nor a date-time");
      }
      if (valarm.getFirstPropertyValue("action") === "DISPLAY" && !valarm.hasProperty("description")) {
        throw new Error("DISPLAY valarm has no DESCRIPTION");
      }
    }
    const ev = new ICAL.Event(vevent);
    if (!ev.uid) throw new Error("vevent has no UID");
    if (ev.startDate && ev.endDate && ev.endDate.compare(ev.startDate) < 0) {
      throw new Error("vevent ends before it starts");
    }
  }
}

const results = process.argv.slice(2).map((file) => {
  try {
    check(readFileSync(file, "utf8"));
    return { ok: true };
  } catch (err) {
    return { ok: false, error: `ical.js: ${err && err.message ? err.message : String(err)}` };
  }
});
process.stdout.write(JSON.stringify(results) + "\n");
