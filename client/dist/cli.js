#!/usr/bin/env node
var __defProp = Object.defineProperty;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __esm = (fn, res, err) =>
  function __init() {
    if (err) throw err[0];
    try {
      return (fn && (res = (0, fn[__getOwnPropNames(fn)[0]])((fn = 0))), res);
    } catch (e) {
      throw ((err = [e]), e);
    }
  };
var __export = (target, all) => {
  for (var name in all) __defProp(target, name, { get: all[name], enumerable: true });
};

// node_modules/croner/dist/croner.js
function g(s3, e, t, n = 0, r = 0, a = 0, i = 0) {
  const o = s3 >= 0 && s3 < 100,
    u = Date.UTC(o ? s3 + 400 : s3, e, t, n, r, a, i);
  return o ? u - 126227808e5 : u;
}
function D(s3) {
  return g(s3.y, s3.m - 1, s3.d, s3.h, s3.i, s3.s);
}
function w(s3, e) {
  return s3.y === e.y && s3.m === e.m && s3.d === e.d && s3.h === e.h && s3.i === e.i && s3.s === e.s;
}
function O(s3) {
  const e = s3.substring(9);
  return e.includes("Z") || e.includes("+") || e.includes("-");
}
function Z(s3, e) {
  const t = new Date(Date.parse(s3));
  if (isNaN(t)) throw new Error("Invalid ISO8601 passed to timezone parser.");
  return O(s3)
    ? {
        tp: T(
          t.getUTCFullYear(),
          t.getUTCMonth() + 1,
          t.getUTCDate(),
          t.getUTCHours(),
          t.getUTCMinutes(),
          t.getUTCSeconds(),
          "Etc/UTC",
        ),
        ms: t.getUTCMilliseconds(),
      }
    : {
        tp: T(
          t.getFullYear(),
          t.getMonth() + 1,
          t.getDate(),
          t.getHours(),
          t.getMinutes(),
          t.getSeconds(),
          e,
        ),
        ms: t.getMilliseconds(),
      };
}
function v(s3, e, t) {
  const { tp: n, ms: r } = Z(s3, e);
  return new Date(N(n, t).getTime() + r);
}
function N(s3, e) {
  const t = _(s3);
  if (t.kind === "single") return t.date;
  if (t.kind === "ambiguous") return t.earlier;
  if (e) throw new Error("Invalid date passed to fromTZ()");
  return t.after;
}
function _(s3) {
  const e = D(s3),
    t = (i) => R(new Date(i), s3.tz),
    n = e - t(e),
    r = y(new Date(n), s3.tz);
  if (w(r, s3)) {
    const i = D(r) - n,
      o = n - (t(n - E) - i);
    if (o < n && w(y(new Date(o), s3.tz), s3))
      return { kind: "ambiguous", earlier: new Date(o), later: new Date(n) };
    const u = n + (i - t(n + E));
    return u > n && w(y(new Date(u), s3.tz), s3)
      ? { kind: "ambiguous", earlier: new Date(n), later: new Date(u) }
      : { kind: "single", date: new Date(n) };
  }
  const a = e - (D(r) - n);
  return w(y(new Date(a), s3.tz), s3)
    ? { kind: "single", date: new Date(a) }
    : { kind: "gap", before: new Date(Math.min(n, a)), after: new Date(Math.max(n, a)) };
}
function R(s3, e) {
  return D(y(s3, e)) - (s3.getTime() - s3.getUTCMilliseconds());
}
function k(s3, e, t) {
  const n = R(new Date(s3), t);
  for (; e - s3 > 1e3; ) {
    const r = s3 + Math.floor((e - s3) / 2e3) * 1e3;
    R(new Date(r), t) === n ? (s3 = r) : (e = r);
  }
  return e;
}
function U(s3, e) {
  const t = _(y(new Date(s3), e));
  if (t.kind === "ambiguous") return s3 < t.later.getTime() ? "earlier" : "later";
}
function y(s3, e) {
  if (e === void 0)
    return T(
      s3.getFullYear(),
      s3.getMonth() + 1,
      s3.getDate(),
      s3.getHours(),
      s3.getMinutes(),
      s3.getSeconds(),
    );
  let t = W.get(e),
    n;
  try {
    t ||
      ((t = new Intl.DateTimeFormat("en-US", {
        timeZone: e,
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
        hour12: false,
      })),
      W.set(e, t)),
      (n = t.formatToParts(s3));
  } catch (i) {
    const o = i instanceof Error ? i.message : String(i);
    throw new RangeError(
      `toTZ: Invalid timezone '${e}' or date. Please provide a valid IANA timezone (e.g., 'America/New_York', 'Europe/Stockholm'). Original error: ${o}`,
    );
  }
  const r = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const i of n)
    (i.type === "year" ||
      i.type === "month" ||
      i.type === "day" ||
      i.type === "hour" ||
      i.type === "minute" ||
      i.type === "second") &&
      (r[i.type] = parseInt(i.value, 10));
  if (isNaN(r.year) || isNaN(r.month) || isNaN(r.day) || isNaN(r.hour) || isNaN(r.minute) || isNaN(r.second))
    throw new Error(
      `toTZ: Failed to parse all date components from timezone '${e}'. This may indicate an invalid date or timezone configuration. Parsed components: ${JSON.stringify(r)}`,
    );
  const a = s3.getTime() - H;
  return (
    (a < -S || (a < S && r.month === 12)) && (r.year = 1 - r.year),
    r.hour === 24 && (r.hour = 0),
    { y: r.year, m: r.month, d: r.day, h: r.hour, i: r.minute, s: r.second, tz: e }
  );
}
function T(s3, e, t, n, r, a, i) {
  return { y: s3, m: e, d: t, h: n, i: r, s: a, tz: i };
}
function F(s3) {
  s3 === void 0 && (s3 = {}),
    delete s3.name,
    s3.legacyMode !== void 0 && s3.domAndDow === void 0
      ? (s3.domAndDow = !s3.legacyMode)
      : s3.domAndDow === void 0 && (s3.domAndDow = false),
    (s3.legacyMode = !s3.domAndDow);
  const e = (n, r) => (n === void 0 ? r : n);
  if (
    ((s3.paused = e(s3.paused, false)),
    (s3.maxRuns = e(s3.maxRuns, 1 / 0)),
    (s3.catch = e(s3.catch, false)),
    (s3.unref = e(s3.unref, false)),
    (s3.mode = e(s3.mode, "auto")),
    (s3.alternativeWeekdays = e(s3.alternativeWeekdays, false)),
    (s3.sloppyRanges = e(s3.sloppyRanges, false)),
    (s3.fixedTimeRule = e(s3.fixedTimeRule, "single-value")),
    (s3.allowPast = e(s3.allowPast, false)),
    (s3.interval = s3.interval === void 0 ? 0 : parseInt(s3.interval.toString(), 10)),
    (s3.utcOffset = s3.utcOffset === void 0 ? void 0 : parseInt(s3.utcOffset.toString(), 10)),
    (s3.dayOffset = s3.dayOffset === void 0 ? 0 : parseInt(s3.dayOffset.toString(), 10)),
    !["auto", "5-part", "6-part", "7-part", "5-or-6-parts", "6-or-7-parts"].includes(s3.mode))
  )
    throw new Error(
      "CronOptions: mode must be one of 'auto', '5-part', '6-part', '7-part', '5-or-6-parts', or '6-or-7-parts'.",
    );
  if (!["single-value", "no-wildcard"].includes(s3.fixedTimeRule))
    throw new Error("CronOptions: fixedTimeRule must be one of 'single-value' or 'no-wildcard'.");
  s3.timezone === "" && (s3.timezone = void 0);
  const t = s3.timezone ?? s3.utcOffset;
  if (
    (s3.startAt && (s3.startAt = I(new c(s3.startAt, t))),
    s3.stopAt && (s3.stopAt = I(new c(s3.stopAt, t))),
    s3.interval !== null)
  ) {
    if (isNaN(s3.interval)) throw new Error("CronOptions: Supplied value for interval is not a number");
    if (s3.interval < 0) throw new Error("CronOptions: Supplied value for interval can not be negative");
  }
  if (s3.utcOffset !== void 0) {
    if (isNaN(s3.utcOffset))
      throw new Error(
        "CronOptions: Invalid value passed for utcOffset, should be number representing minutes offset from UTC.",
      );
    if (s3.utcOffset < -870 || s3.utcOffset > 870) throw new Error("CronOptions: utcOffset out of bounds.");
    if (s3.utcOffset !== void 0 && s3.timezone)
      throw new Error("CronOptions: Combining 'utcOffset' with 'timezone' is not allowed.");
  }
  if (s3.unref !== true && s3.unref !== false)
    throw new Error("CronOptions: Unref should be either true, false or undefined(false).");
  if (s3.dayOffset !== void 0 && s3.dayOffset !== 0 && isNaN(s3.dayOffset))
    throw new Error(
      "CronOptions: Invalid value passed for dayOffset, should be a number representing days to offset.",
    );
  return s3;
}
function I(s3) {
  return s3.ms ? ((s3.ms = 0), new c(new Date(s3.getTime() + 1e3), s3.tz)) : s3;
}
function b(s3) {
  return typeof s3 == "function";
}
function L(s3) {
  return b(s3);
}
function Y(s3) {
  typeof Deno < "u" && typeof Deno.unrefTimer < "u"
    ? Deno.unrefTimer(s3)
    : s3 && typeof s3.unref < "u" && s3.unref();
}
var E, H, S, W, x, C, B, f, c, P, $, M, j, A;
var init_croner = __esm({
  "node_modules/croner/dist/croner.js"() {
    E = 3 * 36e5;
    H = g(1, 0, 1);
    S = 864e5;
    W = /* @__PURE__ */ new Map();
    x = [1, 2, 4, 8, 16];
    C = class s {
      pattern;
      timezone;
      mode;
      alternativeWeekdays;
      sloppyRanges;
      fixedTimeRule;
      second;
      minute;
      hour;
      day;
      month;
      dayOfWeek;
      year;
      lastDayOfMonth;
      lastWeekday;
      nearestWeekdays;
      starDOM;
      starDOW;
      starYear;
      useAndLogic;
      isFixedTime;
      constructor(e, t, n) {
        (this.pattern = e),
          (this.timezone = t),
          (this.mode = n?.mode ?? "auto"),
          (this.alternativeWeekdays = n?.alternativeWeekdays ?? false),
          (this.sloppyRanges = n?.sloppyRanges ?? false),
          (this.fixedTimeRule = n?.fixedTimeRule ?? "single-value"),
          (this.second = Array(60).fill(0)),
          (this.minute = Array(60).fill(0)),
          (this.hour = Array(24).fill(0)),
          (this.day = Array(31).fill(0)),
          (this.month = Array(12).fill(0)),
          (this.dayOfWeek = Array(7).fill(0)),
          (this.year = []),
          (this.lastDayOfMonth = false),
          (this.lastWeekday = false),
          (this.nearestWeekdays = Array(31).fill(0)),
          (this.starDOM = false),
          (this.starDOW = false),
          (this.starYear = false),
          (this.useAndLogic = false),
          (this.isFixedTime = false),
          this.parse();
      }
      parse() {
        if (!(typeof this.pattern == "string" || this.pattern instanceof String))
          throw new TypeError("CronPattern: Pattern has to be of type string.");
        this.pattern.indexOf("@") >= 0 && (this.pattern = this.handleNicknames(this.pattern).trim());
        const e = this.pattern.match(/\S+/g) || [""],
          t = e.length;
        if (e.length < 5 || e.length > 7)
          throw new TypeError(
            "CronPattern: invalid configuration format ('" +
              this.pattern +
              "'), exactly five, six, or seven space separated parts are required.",
          );
        if (this.mode !== "auto") {
          let i;
          switch (this.mode) {
            case "5-part":
              i = 5;
              break;
            case "6-part":
              i = 6;
              break;
            case "7-part":
              i = 7;
              break;
            case "5-or-6-parts":
              i = [5, 6];
              break;
            case "6-or-7-parts":
              i = [6, 7];
              break;
            default:
              i = 0;
          }
          if (!(Array.isArray(i) ? i.includes(t) : t === i)) {
            const u = Array.isArray(i) ? i.join(" or ") : i.toString();
            throw new TypeError(
              `CronPattern: mode '${this.mode}' requires exactly ${u} parts, but pattern '${this.pattern}' has ${t} parts.`,
            );
          }
        }
        if ((e.length === 5 && e.unshift("0"), e.length === 6 && e.push("*"), this.pattern.indexOf("?") >= 0))
          for (let i = 0; i < e.length; i++) e[i] = e[i].replace(/\?/g, "*");
        if (e[3].toUpperCase() === "LW") (this.lastWeekday = true), (e[3] = "");
        else if (e[3].toUpperCase().indexOf("L") >= 0) {
          const i = e[3].split(",");
          if (i.length > 1 && i.some((o) => o.toUpperCase() === "LW"))
            throw new TypeError(
              `CronPattern: Syntax error, LW can not be in a list in day-of-month ('${e[3]}').`,
            );
          if (i.some((o) => o === "" || (o.toUpperCase() !== "L" && /l/i.test(o))))
            throw new TypeError(
              "CronPattern: Syntax error, L has to be a value of its own in day-of-month ('" + e[3] + "').",
            );
          (e[3] = i.filter((o) => o.toUpperCase() !== "L").join(",")), (this.lastDayOfMonth = true);
        }
        if (
          (e[3] == "*" && (this.starDOM = true),
          e[6] == "*" && (this.starYear = true),
          e[4].length >= 3 && (e[4] = this.replaceAlpha(e[4], s.MONTH_NAMES)),
          e[5].length >= 3 &&
            (e[5] = this.alternativeWeekdays
              ? this.replaceAlpha(e[5], s.DAY_NAMES_QUARTZ)
              : this.replaceAlpha(e[5], s.DAY_NAMES)),
          e[5].startsWith("+") && ((this.useAndLogic = true), (e[5] = e[5].substring(1)), e[5] === ""))
        )
          throw new TypeError("CronPattern: Day-of-week field cannot be empty after '+' modifier.");
        switch ((e[5] == "*" && (this.starDOW = true), this.mode)) {
          case "5-part":
            (e[0] = "0"), (e[6] = "*");
            break;
          case "6-part":
            e[6] = "*";
            break;
          case "5-or-6-parts":
            e[6] = "*";
            break;
          case "6-or-7-parts":
            break;
          case "7-part":
          case "auto":
            break;
        }
        this.throwAtIllegalCharacters(e),
          this.partToArray("second", e[0], 0, 1),
          this.partToArray("minute", e[1], 0, 1),
          this.partToArray("hour", e[2], 0, 1),
          this.partToArray("day", e[3], -1, 1),
          this.partToArray("month", e[4], -1, 1);
        const n = this.alternativeWeekdays ? -1 : 0;
        this.partToArray("dayOfWeek", e[5], n, 63),
          e[6] === "*"
            ? (this.year = Array(1e4).fill(1))
            : ((this.year = Array(1e4).fill(0)), this.partToArray("year", e[6], 0, 1)),
          !this.alternativeWeekdays && this.dayOfWeek[7] && (this.dayOfWeek[0] = this.dayOfWeek[7]);
        const r = this.fixedTimeRule === "single-value",
          a = (i, o) => !i.includes("*") && !i.includes("/") && (!r || o.filter((u) => u).length === 1);
        this.isFixedTime = a(e[0], this.second) && a(e[1], this.minute) && a(e[2], this.hour);
      }
      partToArray(e, t, n, r) {
        const a = this[e];
        if (t === "" && !(e === "day" && (this.lastDayOfMonth || this.lastWeekday)))
          throw new TypeError(
            "CronPattern: configuration entry " + e + " (" + t + ") is empty, check for trailing spaces.",
          );
        if (t === "*") return a.fill(r);
        const i = t.split(",");
        if (i.length > 1) for (const o of i) this.partToArray(e, o, n, r);
        else
          t.includes("-") && t.includes("/")
            ? this.handleRangeWithStepping(t, e, n, r)
            : t.includes("-")
              ? this.handleRange(t, e, n, r)
              : t.includes("/")
                ? this.handleStepping(t, e, n, r)
                : t !== "" && this.handleNumber(t, e, n, r);
      }
      throwAtIllegalCharacters(e) {
        for (let t = 0; t < e.length; t++)
          if ((t === 3 ? /[^/*0-9,\-WwLl]+/ : t === 5 ? /[^/*0-9,\-#Ll]+/ : /[^/*0-9,-]+/).test(e[t]))
            throw new TypeError(
              "CronPattern: configuration entry " + t + " (" + e[t] + ") contains illegal characters.",
            );
      }
      handleNumber(e, t, n, r) {
        const a = this.extractNth(e, t),
          i = e.toUpperCase().includes("W");
        if (t !== "day" && i)
          throw new TypeError("CronPattern: Nearest weekday modifier (W) only allowed in day-of-month.");
        i && (t = "nearestWeekdays");
        const o = i ? a[0].replace(/W$/i, "") : a[0],
          u = s.toNumber(o) + n;
        if (isNaN(u)) throw new TypeError("CronPattern: " + t + " is not a number: '" + e + "'");
        this.setPart(t, u, a[1] || r);
      }
      setPart(e, t, n) {
        if (!Object.hasOwn(this, e)) throw new TypeError("CronPattern: Invalid part specified: " + e);
        if (e === "dayOfWeek") {
          if ((t === 7 && (t = 0), t < 0 || t > 6))
            throw new RangeError("CronPattern: Invalid value for dayOfWeek: " + t);
          this.setNthWeekdayOfMonth(t, n);
          return;
        }
        if (e === "second" || e === "minute") {
          if (t < 0 || t >= 60) throw new RangeError("CronPattern: Invalid value for " + e + ": " + t);
        } else if (e === "hour") {
          if (t < 0 || t >= 24) throw new RangeError("CronPattern: Invalid value for " + e + ": " + t);
        } else if (e === "day" || e === "nearestWeekdays") {
          if (t < 0 || t >= 31) throw new RangeError("CronPattern: Invalid value for " + e + ": " + t);
        } else if (e === "month") {
          if (t < 0 || t >= 12) throw new RangeError("CronPattern: Invalid value for " + e + ": " + t);
        } else if (e === "year" && (t < 1 || t >= 1e4))
          throw new RangeError(
            "CronPattern: Invalid value for " + e + ": " + t + " (supported range: 1-9999)",
          );
        this[e][t] = n;
      }
      static toNumber(e) {
        return /^\d+$/.test(e) ? parseInt(e, 10) : NaN;
      }
      validateNotNaN(e, t) {
        if (isNaN(e)) throw new TypeError(t);
      }
      validateRange(e, t, n, r, a) {
        if (e > t) throw new TypeError("CronPattern: From value is larger than to value: '" + a + "'");
        if (n !== void 0) {
          if (n === 0) throw new TypeError("CronPattern: Syntax error, illegal stepping: 0");
          if (n > this[r].length)
            throw new TypeError(
              "CronPattern: Syntax error, steps cannot be greater than maximum value of part (" +
                this[r].length +
                ")",
            );
        }
      }
      handleRangeWithStepping(e, t, n, r) {
        if (e.toUpperCase().includes("W"))
          throw new TypeError("CronPattern: Syntax error, W is not allowed in ranges with stepping.");
        const a = this.extractNth(e, t),
          i = a[0].match(/^(\d+)-(\d+)\/(\d+)$/);
        if (i === null)
          throw new TypeError("CronPattern: Syntax error, illegal range with stepping: '" + e + "'");
        const [, o, u, l] = i,
          h = parseInt(o, 10) + n,
          m = parseInt(u, 10) + n,
          d = parseInt(l, 10);
        this.validateNotNaN(h, "CronPattern: Syntax error, illegal lower range (NaN)"),
          this.validateNotNaN(m, "CronPattern: Syntax error, illegal upper range (NaN)"),
          this.validateNotNaN(d, "CronPattern: Syntax error, illegal stepping: (NaN)"),
          this.validateRange(h, m, d, t, e);
        for (let p = h; p <= m; p += d) this.setPart(t, p, a[1] || r);
      }
      extractNth(e, t) {
        let n = e,
          r;
        if (n.includes("#")) {
          if (t !== "dayOfWeek") throw new Error("CronPattern: nth (#) only allowed in day-of-week field");
          const a = n.split("#");
          if (a.length !== 2 || a[1] === "")
            throw new TypeError("CronPattern: Syntax error, illegal nth weekday: '" + e + "'");
          (n = a[0]), (r = a[1]);
        } else if (n.toUpperCase().endsWith("L")) {
          if (t !== "dayOfWeek")
            throw new Error(
              "CronPattern: L modifier only allowed in day-of-week field (use L alone for day-of-month)",
            );
          (r = "L"), (n = n.slice(0, -1));
        }
        return [n, r];
      }
      handleRange(e, t, n, r) {
        if (e.toUpperCase().includes("W"))
          throw new TypeError("CronPattern: Syntax error, W is not allowed in a range.");
        const a = this.extractNth(e, t),
          i = a[0].split("-");
        if (i.length !== 2) throw new TypeError("CronPattern: Syntax error, illegal range: '" + e + "'");
        const o = s.toNumber(i[0]) + n,
          u = s.toNumber(i[1]) + n;
        this.validateNotNaN(o, "CronPattern: Syntax error, illegal lower range (NaN)"),
          this.validateNotNaN(u, "CronPattern: Syntax error, illegal upper range (NaN)"),
          this.validateRange(o, u, void 0, t, e);
        for (let l = o; l <= u; l++) this.setPart(t, l, a[1] || r);
      }
      handleStepping(e, t, n, r) {
        if (e.toUpperCase().includes("W"))
          throw new TypeError("CronPattern: Syntax error, W is not allowed in parts with stepping.");
        const a = this.extractNth(e, t),
          i = a[0].split("/");
        if (i.length !== 2) throw new TypeError("CronPattern: Syntax error, illegal stepping: '" + e + "'");
        if (this.sloppyRanges) i[0] === "" && (i[0] = "*");
        else {
          if (i[0] === "")
            throw new TypeError(
              "CronPattern: Syntax error, stepping with missing prefix ('" +
                e +
                "') is not allowed. Use wildcard (*/step) or range (min-max/step) instead.",
            );
          if (i[0] !== "*")
            throw new TypeError(
              "CronPattern: Syntax error, stepping with numeric prefix ('" +
                e +
                "') is not allowed. Use wildcard (*/step) or range (min-max/step) instead.",
            );
        }
        let o = 0;
        i[0] !== "*" &&
          ((o = s.toNumber(i[0]) + n),
          this.validateNotNaN(o, "CronPattern: Syntax error, illegal stepping start (NaN)"));
        const u = s.toNumber(i[1]);
        this.validateNotNaN(u, "CronPattern: Syntax error, illegal stepping: (NaN)"),
          this.validateRange(0, this[t].length - 1, u, t, e);
        for (let l = o; l < this[t].length; l += u)
          (t === "year" && l === 0) || this.setPart(t, l, a[1] || r);
      }
      replaceAlpha(e, t) {
        let n = e;
        for (const [r, a] of Object.entries(t))
          n = n.replace(new RegExp(r, "gi"), (i, o, u) => {
            const l = o + i.length - 3,
              h = u.charAt(l - 1),
              m = u.charAt(l + 3);
            if (/[a-z\d/#]/i.test(h) || /[a-km-z\d]/i.test(m))
              throw new TypeError(
                `CronPattern: Syntax error, a month or day name has to stand alone ('${e}').`,
              );
            return a;
          });
        return n;
      }
      static DAY_NAMES = {
        "-sun": "-7",
        sun: "0",
        mon: "1",
        tue: "2",
        wed: "3",
        thu: "4",
        fri: "5",
        sat: "6",
      };
      static DAY_NAMES_QUARTZ = { sun: "1", mon: "2", tue: "3", wed: "4", thu: "5", fri: "6", sat: "7" };
      static MONTH_NAMES = {
        jan: "1",
        feb: "2",
        mar: "3",
        apr: "4",
        may: "5",
        jun: "6",
        jul: "7",
        aug: "8",
        sep: "9",
        oct: "10",
        nov: "11",
        dec: "12",
      };
      static NICKNAME_MAP = {
        "@yearly": "0 0 1 1 *",
        "@annually": "0 0 1 1 *",
        "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * SUN",
        "@daily": "0 0 * * *",
        "@midnight": "0 0 * * *",
        "@hourly": "0 * * * *",
      };
      handleNicknames(e) {
        const t = e.trim().toLowerCase();
        if (t === "@reboot")
          throw new TypeError(
            "CronPattern: @reboot is not supported in this environment. This is an event-based trigger that requires system startup detection.",
          );
        return s.NICKNAME_MAP[t] || e;
      }
      setNthWeekdayOfMonth(e, t) {
        if (typeof t != "number" && t.toUpperCase() === "L") this.dayOfWeek[e] = this.dayOfWeek[e] | 32;
        else if (t === 63) this.dayOfWeek[e] = 63;
        else if (t < 6 && t > 0) this.dayOfWeek[e] = this.dayOfWeek[e] | x[t - 1];
        else
          throw new TypeError(
            `CronPattern: nth weekday out of range, should be 1-5 or L. Value: ${t}, Type: ${typeof t}`,
          );
      }
    };
    B = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    f = [
      ["month", "year", 0],
      ["day", "month", -1],
      ["hour", "day", 0],
      ["minute", "hour", 0],
      ["second", "minute", 0],
    ];
    c = class s2 {
      tz;
      instantMs;
      instantFields;
      ms;
      second;
      minute;
      hour;
      day;
      month;
      year;
      constructor(e, t) {
        if (((this.tz = t), e && e instanceof Date))
          if (!isNaN(e)) this.fromDate(e);
          else throw new TypeError("CronDate: Invalid date passed to CronDate constructor");
        else if (e == null) this.fromDate(/* @__PURE__ */ new Date());
        else if (e && typeof e == "string") this.fromString(e);
        else if (e instanceof s2) this.fromCronDate(e);
        else throw new TypeError("CronDate: Invalid type (" + typeof e + ") passed to CronDate constructor");
      }
      getLastDayOfMonth(e, t) {
        return t !== 1 ? B[t] : new Date(g(e, t + 1, 0)).getUTCDate();
      }
      getLastWeekday(e, t) {
        const n = this.getLastDayOfMonth(e, t),
          a = new Date(g(e, t, n)).getUTCDay();
        return a === 0 ? n - 2 : a === 6 ? n - 1 : n;
      }
      getNearestWeekday(e, t, n) {
        const r = this.getLastDayOfMonth(e, t);
        if (n > r) return -1;
        const i = new Date(g(e, t, n)).getUTCDay();
        return i === 0 ? (n === r ? n - 2 : n + 1) : i === 6 ? (n === 1 ? n + 2 : n - 1) : n;
      }
      isNthWeekdayOfMonth(e, t, n, r) {
        let i = new Date(g(e, t, n)).getUTCDay(),
          o = 0;
        for (let u = 1; u <= n; u++) new Date(g(e, t, u)).getUTCDay() === i && o++;
        if (r & 63 && x[o - 1] & r) return true;
        if (r & 32) {
          const u = this.getLastDayOfMonth(e, t);
          for (let l = n + 1; l <= u; l++) if (new Date(g(e, t, l)).getUTCDay() === i) return false;
          return true;
        }
        return false;
      }
      fromDate(e) {
        if (this.tz !== void 0)
          if (typeof this.tz == "number")
            (this.ms = e.getUTCMilliseconds()),
              (this.second = e.getUTCSeconds()),
              (this.minute = e.getUTCMinutes() + this.tz),
              (this.hour = e.getUTCHours()),
              (this.day = e.getUTCDate()),
              (this.month = e.getUTCMonth()),
              (this.year = e.getUTCFullYear()),
              this.apply();
          else
            try {
              const t = y(e, this.tz);
              (this.ms = e.getMilliseconds()),
                (this.second = t.s),
                (this.minute = t.i),
                (this.hour = t.h),
                (this.day = t.d),
                (this.month = t.m - 1),
                (this.year = t.y),
                this.cacheInstant(e.getTime() - this.ms);
            } catch (t) {
              const n = t instanceof Error ? t.message : String(t);
              throw new TypeError(
                `CronDate: Failed to convert date to timezone '${this.tz}'. This may happen with invalid timezone names or dates. Original error: ${n}`,
              );
            }
        else
          (this.ms = e.getMilliseconds()),
            (this.second = e.getSeconds()),
            (this.minute = e.getMinutes()),
            (this.hour = e.getHours()),
            (this.day = e.getDate()),
            (this.month = e.getMonth()),
            (this.year = e.getFullYear()),
            this.cacheInstant(e.getTime() - this.ms);
      }
      cacheInstant(e) {
        this.instantMs = e;
        const { year: t, month: n, day: r, hour: a, minute: i, second: o } = this;
        this.instantFields = [t, n, r, a, i, o, this.tz];
      }
      cachedInstant() {
        const e = this.instantFields;
        if (
          !(e === void 0 || e[6] !== this.tz) &&
          !(e[5] !== this.second || e[4] !== this.minute || e[3] !== this.hour) &&
          !(e[2] !== this.day || e[1] !== this.month || e[0] !== this.year)
        )
          return this.instantMs;
      }
      fromCronDate(e) {
        (this.tz = e.tz),
          (this.year = e.year),
          (this.month = e.month),
          (this.day = e.day),
          (this.hour = e.hour),
          (this.minute = e.minute),
          (this.second = e.second),
          (this.ms = e.ms),
          (this.instantMs = e.instantMs),
          (this.instantFields = e.instantFields);
      }
      apply() {
        if (
          this.month > 11 ||
          this.month < 0 ||
          this.day > this.getLastDayOfMonth(this.year, this.month) ||
          this.day < 1 ||
          this.hour > 23 ||
          this.minute > 59 ||
          this.second > 59 ||
          this.hour < 0 ||
          this.minute < 0 ||
          this.second < 0
        ) {
          const e = /* @__PURE__ */ new Date(0);
          return (
            e.setUTCFullYear(this.year, this.month, this.day),
            e.setUTCHours(this.hour, this.minute, this.second, this.ms),
            (this.ms = e.getUTCMilliseconds()),
            (this.second = e.getUTCSeconds()),
            (this.minute = e.getUTCMinutes()),
            (this.hour = e.getUTCHours()),
            (this.day = e.getUTCDate()),
            (this.month = e.getUTCMonth()),
            (this.year = e.getUTCFullYear()),
            true
          );
        } else return false;
      }
      fromString(e) {
        if (typeof this.tz == "number") {
          if (O(e)) return this.fromDate(v(e));
          const t = v(e, "Etc/UTC");
          (this.ms = t.getUTCMilliseconds()),
            (this.second = t.getUTCSeconds()),
            (this.minute = t.getUTCMinutes()),
            (this.hour = t.getUTCHours()),
            (this.day = t.getUTCDate()),
            (this.month = t.getUTCMonth()),
            (this.year = t.getUTCFullYear()),
            this.apply();
        } else return this.fromDate(v(e, this.tz));
      }
      findNext(e, t, n, r) {
        return this._findMatch(e, t, n, r, 1);
      }
      _matchDayValue(e, t, n, r) {
        let a = e;
        if (!a) {
          for (let i = 0; i < n.nearestWeekdays.length; i++)
            if (n.nearestWeekdays[i]) {
              const o = this.getNearestWeekday(this.year, this.month, i + 1);
              if (o !== -1 && o === t) {
                a = 1;
                break;
              }
            }
        }
        if (n.lastWeekday) {
          const i = this.getLastWeekday(this.year, this.month);
          t === i && (a = 1);
        }
        if (n.lastDayOfMonth) {
          const i = this.getLastDayOfMonth(this.year, this.month);
          t === i && (a = 1);
        }
        if (!n.starDOW) {
          let i = new Date(g(this.year, this.month, 1, 0, 0, 0, 0)).getUTCDay(),
            o = n.dayOfWeek[(i + (t - 1)) % 7];
          o && o & 63 && (o = this.isNthWeekdayOfMonth(this.year, this.month, t, o) ? 1 : 0),
            n.useAndLogic ? (a = a && o) : !r.domAndDow && !n.starDOM ? (a = a || o) : (a = a && o);
        }
        return a;
      }
      _findMatch(e, t, n, r, a) {
        const i = this[t],
          o = t === "day" ? this.getLastDayOfMonth(this.year, this.month) : 0,
          u = this[t] + r,
          l = a === 1 ? (h) => h < n[t].length : (h) => h >= 0;
        for (let h = u; l(h); h += a) {
          let m = n[t][h];
          if (t === "day") {
            if (h - r > o) continue;
            m = this._matchDayValue(m, h - r, n, e);
          }
          if (m) return ((this[t] = h - r), i !== this[t] ? 2 : 1);
        }
        return 3;
      }
      recurse(e, t, n) {
        let r = this.year,
          a = n;
        for (; typeof a == "number"; ) {
          if (e.starYear && Math.abs(this.year - r) > 400) return null;
          a = this.recurseStep(e, t, a);
        }
        return a;
      }
      recurseStep(e, t, n) {
        if (n === 0 && !e.starYear) {
          if (this.year >= 0 && this.year < e.year.length && e.year[this.year] === 0) {
            let a = -1;
            for (let i = this.year + 1; i < e.year.length && i < 1e4; i++)
              if (e.year[i] === 1) {
                a = i;
                break;
              }
            if (a === -1) return null;
            (this.year = a),
              (this.month = 0),
              (this.day = 1),
              (this.hour = 0),
              (this.minute = 0),
              (this.second = 0),
              (this.ms = 0);
          }
          if (this.year >= 1e4) return null;
        }
        const r = this.findNext(t, f[n][0], e, f[n][2]);
        if (r > 1) {
          let a = n + 1;
          for (; a < f.length; ) (this[f[a][0]] = -f[a][2]), a++;
          if (r === 3) {
            if ((this[f[n][1]]++, (this[f[n][0]] = -f[n][2]), this.apply(), n === 0 && !e.starYear)) {
              for (
                ;
                this.year >= 0 && this.year < e.year.length && e.year[this.year] === 0 && this.year < 1e4;
              )
                this.year++;
              if (this.year >= 1e4 || this.year >= e.year.length) return null;
            }
            return 0;
          } else if (this.apply()) return n - 1;
        }
        return (
          (n += 1), n >= f.length ? this : (e.starYear ? this.year >= 3e3 : this.year >= 1e4) ? null : n
        );
      }
      increment(e, t, n) {
        return (
          (this.instantMs = void 0),
          (this.instantFields = void 0),
          (this.second += t.interval !== void 0 && t.interval > 1 && n ? t.interval : 1),
          (this.ms = 0),
          this.apply(),
          this.recurse(e, t, 0)
        );
      }
      decrement(e, t, n = true) {
        (this.instantMs = void 0), (this.instantFields = void 0);
        const r = t.interval !== void 0 && t.interval >= 1;
        return (
          (this.ms === 0 || r) && (this.second -= r && n ? t.interval : 1),
          (this.ms = 0),
          this.apply(),
          this.year < 1 ? null : this.recurseBackward(e, t, 0)
        );
      }
      recurseBackward(e, t, n) {
        let r = this.year,
          a = n;
        for (; typeof a == "number"; ) {
          if (e.starYear && Math.abs(this.year - r) > 400) return null;
          a = this.recurseBackwardStep(e, t, a);
        }
        return a;
      }
      recurseBackwardStep(e, t, n) {
        if (n === 0 && !e.starYear) {
          if (this.year >= 0 && this.year < e.year.length && e.year[this.year] === 0) {
            let a = -1;
            for (let i = this.year - 1; i >= 0; i--)
              if (e.year[i] === 1) {
                a = i;
                break;
              }
            if (a === -1) return null;
            (this.year = a),
              (this.month = 11),
              (this.day = 31),
              (this.hour = 23),
              (this.minute = 59),
              (this.second = 59),
              (this.ms = 0);
          }
          if (this.year < 1) return null;
        }
        const r = this.findPrevious(t, f[n][0], e, f[n][2]);
        if (r > 1) {
          let a = n + 1;
          for (; a < f.length; ) {
            const i = f[a][0],
              o = f[a][2],
              u = this.getMaxPatternValue(i, e, o);
            (this[i] = u), a++;
          }
          if (r === 3) {
            if ((this[f[n][1]]--, n === 0)) {
              const u = this.getLastDayOfMonth(this.year, this.month);
              this.day > u && (this.day = u);
            }
            if (n === 1)
              if (this.day <= 0) this.day = 1;
              else {
                let u = this.year,
                  l = this.month;
                for (; l < 0; ) (l += 12), u--;
                for (; l > 11; ) (l -= 12), u++;
                const h = this.getLastDayOfMonth(u, l);
                this.day > h && (this.day = h);
              }
            this.apply();
            const i = f[n][0],
              o = f[n][2];
            if (((this[i] = this.getMaxPatternValue(i, e, o)), this.apply(), n === 0)) {
              const u = f[1][2],
                l = this.getMaxPatternValue("day", e, u);
              l !== this.day &&
                ((this.day = l),
                (this.hour = this.getMaxPatternValue("hour", e, f[2][2])),
                (this.minute = this.getMaxPatternValue("minute", e, f[3][2])),
                (this.second = this.getMaxPatternValue("second", e, f[4][2])));
            }
            if (n === 0 && !e.starYear) {
              for (; this.year >= 0 && this.year < e.year.length && e.year[this.year] === 0; ) this.year--;
              if (this.year < 1) return null;
            }
            return 0;
          } else if (this.apply()) return n - 1;
        }
        return ((n += 1), n >= f.length ? this : this.year < 1 ? null : n);
      }
      getMaxPatternValue(e, t, n) {
        let r = t[e].length - 1 - n;
        for (let a = t[e].length - 1; a >= 0; a--)
          if (t[e][a]) {
            r = a - n;
            break;
          }
        if (e === "day") {
          const a = this.getLastDayOfMonth(this.year, this.month);
          return t.lastWeekday || t.nearestWeekdays.some((i) => i) || t.lastDayOfMonth || !t.starDOW
            ? a
            : Math.min(r, a);
        }
        return r;
      }
      findPrevious(e, t, n, r) {
        return this._findMatch(e, t, n, r, -1);
      }
      getDate(e) {
        if (!e && typeof this.tz != "number") {
          const t = this.cachedInstant();
          if (t !== void 0) return new Date(t + (this.tz === void 0 ? this.ms : 0));
        }
        if (e || this.tz === void 0) {
          if (this.year >= 0 && this.year < 100) {
            const t = /* @__PURE__ */ new Date(0);
            return (
              t.setFullYear(this.year, this.month, this.day),
              t.setHours(this.hour, this.minute, this.second, this.ms),
              t
            );
          }
          return new Date(this.year, this.month, this.day, this.hour, this.minute, this.second, this.ms);
        } else
          return typeof this.tz == "number"
            ? new Date(
                g(this.year, this.month, this.day, this.hour, this.minute - this.tz, this.second, this.ms),
              )
            : N(T(this.year, this.month + 1, this.day, this.hour, this.minute, this.second, this.tz), false);
      }
      getTime() {
        return this.getDate(false).getTime();
      }
      match(e, t) {
        if (!e.starYear && (this.year < 0 || this.year >= e.year.length || e.year[this.year] === 0))
          return false;
        for (let n = 0; n < f.length; n++) {
          const r = f[n][0],
            a = f[n][2],
            i = this[r];
          if (i + a < 0 || i + a >= e[r].length) return false;
          let o = e[r][i + a];
          if ((r === "day" && (o = this._matchDayValue(o, i, e, t)), !o)) return false;
        }
        return true;
      }
    };
    P = 1440 * 60 * 1e3;
    $ = 30 * 1e3;
    M = [];
    j = class {
      name;
      options;
      _states;
      fn;
      _startAtRoundingMs = 0;
      getTz() {
        return this.options.timezone ?? this.options.utcOffset;
      }
      applyDayOffset(e) {
        const t = this._offsetMs();
        return t ? new Date(e.getTime() + t) : e;
      }
      _offsetMs() {
        return (this.options.dayOffset ?? 0) * P;
      }
      get _startAt() {
        return this.options.startAt;
      }
      get _stopAt() {
        return this.options.stopAt;
      }
      _nextTarget(e, t) {
        const n = this._offsetMs(),
          r = this._next(this._shift(e), new Date(t.getTime() - n), {
            startAt: this._shift(this._startAt),
            stopAt: this._shift(this._stopAt),
          });
        return r ? this.applyDayOffset(r.getDate(false)) : null;
      }
      _previousTarget(e, t) {
        const n = this._toMs(e ?? t) - this._offsetMs(),
          r = this._previous(new Date(n), {
            startAt: this._shift(this._startAt),
            stopAt: this._shift(this._stopAt),
          });
        return r ? this.applyDayOffset(r.getDate(false)) : null;
      }
      _shift(e) {
        if (e != null) return new c(new Date(this._toMs(e) - this._offsetMs()), this.getTz());
      }
      constructor(e, t, n) {
        let r, a;
        if (b(t)) a = t;
        else if (typeof t == "object") r = t;
        else if (t !== void 0)
          throw new Error(
            "Cron: Invalid argument passed for optionsIn. Should be one of function, or object (options).",
          );
        if (b(n)) a = n;
        else if (typeof n == "object") r = n;
        else if (n !== void 0)
          throw new Error(
            "Cron: Invalid argument passed for funcIn. Should be one of function, or object (options).",
          );
        this.name = r?.name;
        const i = r?.startAt;
        (this.options = F(r)),
          i &&
            this._startAt &&
            (this._startAtRoundingMs = this._startAt.getTime() - new c(i, this.getTz()).getTime());
        const o = !!e && (e instanceof Date || (typeof e == "string" && e.indexOf(":") > 0));
        if (
          ((this._states = {
            kill: false,
            blocking: false,
            previousRun: void 0,
            currentRun: void 0,
            once: void 0,
            currentTimeout: void 0,
            maxRuns: r ? r.maxRuns : void 0,
            paused: r ? r.paused : false,
            pattern: o
              ? new C("* * * * *", void 0, { mode: "auto" })
              : new C(e, this.options.timezone, {
                  mode: this.options.mode,
                  alternativeWeekdays: this.options.alternativeWeekdays,
                  sloppyRanges: this.options.sloppyRanges,
                  fixedTimeRule: this.options.fixedTimeRule,
                }),
          }),
          o && (this._states.once = new c(e, this.getTz())),
          this.name)
        ) {
          if (M.find((l) => l.name === this.name))
            throw new Error(
              "Cron: Tried to initialize new named job '" + this.name + "', but name already taken.",
            );
          M.push(this);
        }
        return (a !== void 0 && L(a) && ((this.fn = a), this.schedule()), this);
      }
      nextRun(e) {
        return this._nextTarget(e, /* @__PURE__ */ new Date());
      }
      nextRuns(e, t) {
        this._states.maxRuns !== void 0 && e > this._states.maxRuns && (e = this._states.maxRuns);
        const n = t || this._states.currentRun || void 0;
        return this._enumerateRuns(e, n, "next");
      }
      previousRuns(e, t) {
        return this._enumerateRuns(e, t || void 0, "previous");
      }
      enumerate(e) {
        return new A(this, e);
      }
      _enumerateRuns(e, t, n) {
        let r = [],
          a = /* @__PURE__ */ new Date(),
          i = t;
        for (; e-- > 0; ) {
          const o = n === "next" ? this._nextTarget(i, a) : this._previousTarget(i, a);
          if (!o) break;
          r.push(o), (i = o);
        }
        return r;
      }
      match(e) {
        if (this._states.once) {
          const n = new c(e, this.getTz());
          n.ms = 0;
          const r = new c(this._states.once, this.getTz());
          return ((r.ms = 0), n.getTime() === r.getTime());
        }
        const t = new c(e, this.getTz());
        return ((t.ms = 0), t.match(this._states.pattern, this.options));
      }
      getPattern() {
        if (!this._states.once) return this._states.pattern ? this._states.pattern.pattern : void 0;
      }
      getOnce() {
        return this._states.once ? this._states.once.getDate() : null;
      }
      isRunning() {
        return (
          !this._states.paused &&
          !this._states.kill &&
          this.fn !== void 0 &&
          this._nextTarget(this._states.currentRun, /* @__PURE__ */ new Date()) !== null
        );
      }
      isStopped() {
        return this._states.kill;
      }
      isBusy() {
        return this._states.blocking;
      }
      currentRun() {
        return this._states.currentRun ? this._states.currentRun.getDate() : null;
      }
      previousRun() {
        return this._states.previousRun ? this._states.previousRun.getDate() : null;
      }
      msToNext(e) {
        const t = /* @__PURE__ */ new Date(),
          n = this._nextTarget(e, t);
        return n ? n.getTime() - this._toMs(e ?? t) : null;
      }
      stop() {
        (this._states.kill = true), this._states.currentTimeout && clearTimeout(this._states.currentTimeout);
        const e = M.indexOf(this);
        e >= 0 && M.splice(e, 1);
      }
      pause() {
        return ((this._states.paused = true), !this._states.kill);
      }
      resume() {
        return ((this._states.paused = false), !this._states.kill);
      }
      schedule(e) {
        return this._schedule(e);
      }
      _schedule(e, t) {
        if (e && this.fn)
          throw new Error(
            "Cron: It is not allowed to schedule two functions using the same Croner instance.",
          );
        e && (this.fn = e);
        let n = t ?? /* @__PURE__ */ new Date(),
          r = this._nextTarget(void 0, n),
          a = r ? r.getTime() - n.getTime() : null,
          i = this._states.currentRun;
        i && i.getTime() > n.getTime() && (i = void 0);
        const o = this._nextTarget(i, n);
        return a === null || isNaN(a) || o === null
          ? this
          : (a > $ && (a = $),
            a < 0 && (a = this._states.paused ? 1e3 : 0),
            (this._states.currentTimeout = setTimeout(() => this._checkTrigger(o), a)),
            this._states.currentTimeout && this.options.unref && Y(this._states.currentTimeout),
            this);
      }
      async _trigger(e = /* @__PURE__ */ new Date()) {
        (this._states.blocking = true), (this._states.currentRun = new c(e, this.getTz()));
        try {
          if (this.options.catch)
            try {
              this.fn !== void 0 && (await this.fn(this, this.options.context));
            } catch (t) {
              if (b(this.options.catch))
                try {
                  Promise.resolve(this.options.catch(t, this)).catch(() => {});
                } catch {}
            }
          else this.fn !== void 0 && (await this.fn(this, this.options.context));
        } finally {
          (this._states.previousRun = new c(e, this.getTz())), (this._states.blocking = false);
        }
      }
      async trigger() {
        await this._trigger();
      }
      runsLeft() {
        return this._states.maxRuns;
      }
      _checkTrigger(e) {
        const t = /* @__PURE__ */ new Date(),
          n = !this._states.paused && t.getTime() >= e.getTime(),
          r = this._states.blocking && this.options.protect;
        n && !r
          ? (this._states.maxRuns !== void 0 && this._states.maxRuns--, this._trigger(t))
          : n && r && b(this.options.protect) && setTimeout(() => this.options.protect(this), 0),
          this._schedule(void 0, n ? void 0 : t);
      }
      _next(e, t, n) {
        let r = n ? n.startAt : this._startAt,
          a = n ? n.stopAt : this._stopAt,
          i = !!e,
          o = !!(e || this._states.currentRun),
          u = false;
        !e &&
          r &&
          this.options.interval &&
          ((e = this._calculatePreviousRun(r, t)), e && (o = true), (u = !e));
        let l = e ?? t ?? /* @__PURE__ */ new Date(),
          h = this._toMs(l);
        (e = new c(l, this.getTz())),
          r &&
            h < r.getTime() &&
            ((e = u ? r : new c(new Date(r.getTime() - 1e3), this.getTz())), (h = e.getTime()));
        let m = this._states.once || new c(e, this.getTz());
        if ((!u && m !== this._states.once && (m = this._findOccurrence(e, h, 1, o)), this._states.once)) {
          const d = this._states.once.getTime(),
            p = h - d;
          if (
            (r && d < r.getTime() - this._startAtRoundingMs) ||
            (this._states.currentRun &&
              this.applyDayOffset(this._states.once.getDate()).getTime() <=
                this._states.currentRun.getTime()) ||
            (i ? p >= 0 : p > 1e3 && !this.options.allowPast)
          )
            return null;
        }
        return m === null ||
          (this._states.maxRuns !== void 0 && this._states.maxRuns <= 0) ||
          this._states.kill ||
          (a && m.getTime() >= a.getTime())
          ? null
          : m;
      }
      _previous(e, t) {
        let n = this._toMs(e ?? /* @__PURE__ */ new Date());
        if ((t.stopAt && n > t.stopAt.getTime() && (n = t.stopAt.getTime()), this._states.once))
          return this._states.once.getTime() < n ? this._states.once : null;
        const r = this._findOccurrence(new c(new Date(n), this.getTz()), n, -1);
        return r === null || (t.startAt && r.getTime() < t.startAt.getTime()) ? null : r;
      }
      _toMs(e) {
        if (e instanceof Date) return e.getTime();
        const t = new c(e, this.getTz());
        return t.getTime() + (typeof t.tz == "string" ? t.ms : 0);
      }
      _findOccurrence(e, t, n, r = false) {
        const a = this.options.interval ?? 0;
        if (a > 1 && (n === -1 || r)) {
          t += (a - 1) * 1e3 * n;
          const m = new Date(t);
          if (isNaN(m.getTime()) || ((e = new c(m, this.getTz())), !(e.year >= 1 && e.year <= 9999)))
            return null;
          r = false;
        }
        const i = this._walk(e, t, n, r),
          o = this.getTz();
        if (
          (this._states.pattern.isFixedTime && n === 1) ||
          typeof o == "number" ||
          U(t, o) !== (n === 1 ? "earlier" : "later")
        )
          return i;
        const u = Math.floor(t / 1e3) * 1e3,
          l = n === 1 ? k(u, u + P, o) : k(u - P, u, o) - 1e3;
        if (i && (l - i.getTime()) * n > 0) return i;
        const h = this._walk(new c(new Date(l), o), l - n, n, false, true);
        return !i || !h ? (i ?? h) : (i.getTime() - h.getTime()) * n > 0 ? h : i;
      }
      _walk(e, t, n, r, a = false) {
        let i = this._states.pattern,
          o = (l, h) => (n === 1 ? l.increment(i, this.options, h) : l.decrement(i, this.options, h)),
          u = new c(e, this.getTz());
        for ((!a || !u.match(i, this.options)) && (u = o(u, r)); u; ) {
          const l = this._runAt(u, t, n);
          if (l) return new c(l, this.getTz());
          u = o(u, false);
        }
        return null;
      }
      _runAt(e, t, n) {
        const r = (d) => (d.getTime() - t) * n > 0,
          a = e.tz;
        if (typeof a == "number") {
          const d = e.getDate();
          return r(d) ? d : null;
        }
        const i = T(e.year, e.month + 1, e.day, e.hour, e.minute, e.second, a),
          o = _(i),
          u = this._states.pattern.isFixedTime;
        if (o.kind === "single") return r(o.date) ? o.date : null;
        if (o.kind === "ambiguous") {
          const { earlier: d, later: p } = o;
          return (u ? [d] : n === 1 ? [d, p] : [p, d]).find(r) ?? null;
        }
        if (!u) return null;
        const l = new Date(k(o.before.getTime(), o.after.getTime(), a)),
          h = y(l, a);
        return h.y === i.y && h.m === i.m && h.d === i.d && r(l) ? l : null;
      }
      _calculatePreviousRun(e, t) {
        const n = new c(t, this.getTz()).getTime();
        if (e.getTime() > n) return;
        let r = this.options.interval * 1e3,
          a = e;
        for (; a.getTime() + r <= n; ) {
          const i = this._findOccurrence(a, a.getTime(), 1, true);
          if (i === null) break;
          a = i;
        }
        return a;
      }
    };
    A = class {
      cron;
      cursor;
      now;
      done;
      initialMaxRuns;
      remainingRuns;
      constructor(e, t) {
        (this.cron = e), (this.initialMaxRuns = e.runsLeft() ?? 1 / 0), this.reset(t);
      }
      next() {
        if (this.done || this.remainingRuns <= 0) return ((this.done = true), { value: void 0, done: true });
        const e = this.cron._nextTarget(this.cursor, this.now);
        return e === null
          ? ((this.done = true), { value: void 0, done: true })
          : ((this.cursor = e), this.remainingRuns--, { value: e, done: false });
      }
      peek() {
        return this.done || this.remainingRuns <= 0 ? null : this.cron._nextTarget(this.cursor, this.now);
      }
      reset(e) {
        (this.cursor = e instanceof Date ? new Date(e.getTime()) : (e ?? void 0)),
          (this.now = /* @__PURE__ */ new Date()),
          (this.done = false),
          (this.remainingRuns = this.initialMaxRuns);
      }
      [Symbol.iterator]() {
        return this;
      }
    };
  },
});

// functions/core/schedule-expression.ts
function isTimeZone(zone) {
  if (zone.length === 0 || zone.length > 50) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
function cronPattern(body) {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new InvalidScheduleExpression(
      `cron() takes 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`,
    );
  }
  const [, , dayOfMonth, , dayOfWeek] = fields;
  if ((dayOfMonth === "?") === (dayOfWeek === "?")) {
    throw new InvalidScheduleExpression("cron(): exactly one of day-of-month and day-of-week must be ?");
  }
  const translated = fields.map((field, index) => {
    const { max } = cronFields[index];
    let value = field === "?" ? "*" : field.toUpperCase();
    value = value.replace(/(^|,)(\d+)\/(\d+)/g, (_2, lead, start, step) => {
      return `${lead}${start}-${max}/${step}`;
    });
    if (index === 4) {
      value = value === "L" ? "7" : value.replace(/^([1-7]|[A-Z]{3})L$/, "$1#L");
    }
    return value;
  });
  return `0 ${translated.join(" ")}`;
}
function cronOf(pattern, timeZone) {
  return new j(pattern, {
    timezone: timeZone,
    mode: "7-part",
    alternativeWeekdays: true,
    domAndDow: true,
    paused: true,
  });
}
function parseScheduleExpression(text, timeZone) {
  if (!isTimeZone(timeZone)) throw new InvalidScheduleExpression(`unknown time zone ${timeZone}`);
  const match = /^(cron|rate|at)\((.*)\)$/s.exec(text.trim());
  if (!match) {
    throw new InvalidScheduleExpression("expected cron(...), rate(...) or at(...)");
  }
  const [, kind, body] = match;
  switch (kind) {
    case "cron": {
      const pattern = cronPattern(body);
      try {
        cronOf(pattern, timeZone);
      } catch (error) {
        throw new InvalidScheduleExpression(`cron(): ${error.message.replace(/^CronPattern: /, "")}`);
      }
      return { kind, text, pattern };
    }
    case "rate": {
      const rate = /^\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*$/.exec(body);
      if (!rate)
        throw new InvalidScheduleExpression("rate() takes a whole number and minute(s), hour(s) or day(s)");
      const value = Number(rate[1]);
      const unit = rate[2];
      if (value < 1) throw new InvalidScheduleExpression("rate() needs a value of at least 1");
      if ((value === 1) !== !unit.endsWith("s")) {
        throw new InvalidScheduleExpression(
          `rate(): write ${value === 1 ? "1 minute|hour|day" : `${value} minutes|hours|days`}`,
        );
      }
      const singular = unit.replace(/s$/, "");
      return { kind, text, intervalMs: value * unitMs[singular] };
    }
    case "at": {
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(body)) {
        throw new InvalidScheduleExpression("at() takes a local date and time, yyyy-mm-ddThh:mm:ss");
      }
      const parsed = Date.parse(`${body}Z`);
      if (Number.isNaN(parsed) || new Date(parsed).toISOString().slice(0, 19) !== body) {
        throw new InvalidScheduleExpression(`at(): ${body} is not a date and time`);
      }
      return { kind, text, localTime: body };
    }
  }
}
function zonedInstant(localTime, timeZone) {
  const [date, time] = localTime.split("T");
  const [year, month, day] = date.split("-");
  const [hour, minute, second] = time.split(":");
  const pattern = `${Number(second)} ${Number(minute)} ${Number(hour)} ${Number(day)} ${Number(month)} * ${Number(year)}`;
  const run = new j(pattern, {
    timezone: timeZone,
    mode: "7-part",
    domAndDow: true,
    paused: true,
  }).nextRun(new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)) - 2 * 864e5));
  if (!run) throw new InvalidScheduleExpression(`at(): ${localTime} does not exist in ${timeZone}`);
  return run;
}
function nextFireTimes(expression, options) {
  const { after, count } = options;
  switch (expression.kind) {
    case "cron":
      return cronOf(expression.pattern, options.timeZone).nextRuns(count, after);
    case "rate": {
      const anchor = Math.floor(options.anchor.getTime() / 1e3) * 1e3;
      const elapsed = after.getTime() - anchor;
      const first = elapsed < 0 ? 1 : Math.floor(elapsed / expression.intervalMs) + 1;
      return Array.from(
        { length: count },
        (_2, index) => new Date(anchor + (first + index) * expression.intervalMs),
      );
    }
    case "at": {
      const instant = zonedInstant(expression.localTime, options.timeZone);
      return instant.getTime() > after.getTime() && count > 0 ? [instant] : [];
    }
  }
}
var InvalidScheduleExpression, unitMs, cronFields;
var init_schedule_expression = __esm({
  "functions/core/schedule-expression.ts"() {
    init_croner();
    InvalidScheduleExpression = class extends Error {
      constructor(message) {
        super(message);
        this.name = "InvalidScheduleExpression";
      }
    };
    unitMs = { minute: 6e4, hour: 36e5, day: 864e5 };
    cronFields = [
      { name: "minutes", max: 59 },
      { name: "hours", max: 23 },
      { name: "day-of-month", max: 31 },
      { name: "month", max: 12 },
      { name: "day-of-week", max: 7 },
      { name: "year", max: 2199 },
    ];
  },
});

// functions/tasks/static-schedules.ts
var staticSchedules;
var init_static_schedules = __esm({
  "functions/tasks/static-schedules.ts"() {
    staticSchedules = [
      {
        name: "cleanup-expired-results",
        description: "Hourly: delete task records whose results have expired (TTL deletion lags)",
        expression: "cron(0 * * * ? *)",
        taskType: "cleanup_expired_results",
        input: {},
        maxEventAgeSeconds: 3600,
      },
      {
        name: "check-task-health",
        description: "Every 5 minutes: find stuck and unsent tasks, check DLQ depths",
        expression: "rate(5 minutes)",
        taskType: "check_task_health",
        input: {},
        maxEventAgeSeconds: 300,
      },
    ];
  },
});

// client/local-runtime-files.ts
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";

function findUp(relative, from) {
  let directory = path.resolve(from);
  while (true) {
    const candidate = path.join(directory, relative);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(directory);
    if (parent === directory) return void 0;
    directory = parent;
  }
}
function readLocalRuntimeState(cwd) {
  const file = findUp(path.join(".local", "runtime.json"), cwd);
  return file ? JSON.parse(readFileSync(file, "utf8")) : void 0;
}
function localLogFile(given, cwd) {
  if (given) return given;
  const found = readLocalRuntimeState(cwd)?.logFile ?? findUp(path.join(".local", "functions.log"), cwd);
  if (!found) {
    throw new Error(
      "no local log found (.local/functions.log, written by npm start, looked for from here upwards): give --file PATH, or --stage STAGE for a deployed stage",
    );
  }
  return found;
}
var init_local_runtime_files = __esm({
  "client/local-runtime-files.ts"() {},
});

// client/aws-inspection.ts
var aws_inspection_exports = {};
__export(aws_inspection_exports, {
  readStageLogEvents: () => readStageLogEvents,
  stageAlarms: () => stageAlarms,
  stageApiUrl: () => stageApiUrl,
  stageLogGroups: () => stageLogGroups,
  staticScheduleStates: () => staticScheduleStates,
});
async function sdk(name) {
  try {
    return await import(name);
  } catch {
    throw new Error(
      `${name} is not installed here: this check runs from a claw-tasks checkout after npm ci (the command line itself carries no AWS SDK)`,
    );
  }
}
function clientConfig(target, service) {
  if (target.stage) return {};
  const state = readLocalRuntimeState(target.cwd);
  const endpoint = target.env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`] ?? state?.endpoints[service];
  if (!endpoint) {
    throw new Error(
      `no local runtime found (.local/runtime.json; start one with npm start), nor AWS_ENDPOINT_URL_${service.toUpperCase()}: give --stage for a deployed stage`,
    );
  }
  return {
    endpoint,
    region: target.env.AWS_REGION ?? state?.region ?? "us-east-1",
    // The emulators take any credentials.
    credentials: {
      accessKeyId: target.env.AWS_ACCESS_KEY_ID ?? "local",
      secretAccessKey: target.env.AWS_SECRET_ACCESS_KEY ?? "local",
    },
  };
}
async function staticScheduleStates(target, now) {
  const { SchedulerClient, ListSchedulesCommand, GetScheduleCommand } =
    await sdk("@aws-sdk/client-scheduler");
  const client = new SchedulerClient(clientConfig(target, "scheduler"));
  const groups = /* @__PURE__ */ new Map();
  let token;
  do {
    const page = await client.send(new ListSchedulesCommand({ NextToken: token }));
    for (const schedule of page.Schedules ?? []) {
      const group = schedule.GroupName ?? "default";
      const wanted = target.stage ? group === `claw-tasks-${target.stage}-static` : group.endsWith("-static");
      if (schedule.Name && wanted) groups.set(schedule.Name, group);
    }
    token = page.NextToken;
  } while (token);
  return Promise.all(
    staticSchedules.map(async ({ name }) => {
      const group = groups.get(name);
      if (!group) return { name, found: false };
      const schedule = await client.send(new GetScheduleCommand({ Name: name, GroupName: group }));
      const expression = schedule.ScheduleExpression ?? "";
      const timezone = schedule.ScheduleExpressionTimezone ?? "UTC";
      const enabled = schedule.State !== "DISABLED";
      const [next] = enabled
        ? nextFireTimes(parseScheduleExpression(expression, timezone), {
            timeZone: timezone,
            after: now,
            anchor: schedule.StartDate ?? schedule.CreationDate ?? now,
            count: 1,
          })
        : [];
      return {
        name,
        found: true,
        enabled,
        expression,
        timezone,
        ...(next ? { nextFireTime: next.toISOString() } : {}),
      };
    }),
  );
}
async function stageAlarms(stage) {
  const { CloudWatchClient, DescribeAlarmsCommand } = await sdk("@aws-sdk/client-cloudwatch");
  const client = new CloudWatchClient({});
  let total = 0;
  const firing = [];
  let token;
  do {
    const page = await client.send(
      new DescribeAlarmsCommand({ AlarmNamePrefix: `claw-tasks-${stage}-`, NextToken: token }),
    );
    for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
      total++;
      if (alarm.StateValue === "ALARM")
        firing.push({ name: alarm.AlarmName ?? "?", reason: alarm.StateReason ?? "" });
    }
    token = page.NextToken;
  } while (token);
  return { total, firing };
}
async function stageApiUrl(stage) {
  const { CloudFormationClient, DescribeStacksCommand } = await sdk("@aws-sdk/client-cloudformation");
  const { Stacks } = await new CloudFormationClient({}).send(
    new DescribeStacksCommand({ StackName: stackNameOf(stage) }),
  );
  const url = Stacks?.[0]?.Outputs?.find((output) => output.OutputKey === "ApiUrl")?.OutputValue;
  if (!url) throw new Error(`stack ${stackNameOf(stage)} has no ApiUrl output`);
  return url;
}
async function stageLogGroups(stage) {
  const { CloudFormationClient, ListStackResourcesCommand } = await sdk("@aws-sdk/client-cloudformation");
  const client = new CloudFormationClient({});
  const groups = [];
  let token;
  do {
    const page = await client.send(
      new ListStackResourcesCommand({ StackName: stackNameOf(stage), NextToken: token }),
    );
    for (const resource of page.StackResourceSummaries ?? []) {
      const logicalId = resource.LogicalResourceId ?? "";
      const match = /^(.+)Logs[0-9A-F]{8}$/.exec(logicalId);
      if (resource.ResourceType === "AWS::Logs::LogGroup" && match && resource.PhysicalResourceId) {
        groups.push({ label: match[1], name: resource.PhysicalResourceId });
      }
    }
    token = page.NextToken;
  } while (token);
  return groups;
}
async function readStageLogEvents(groups, sinceMs, follow, onEvent) {
  const { CloudWatchLogsClient, FilterLogEventsCommand } = await sdk("@aws-sdk/client-cloudwatch-logs");
  const client = new CloudWatchLogsClient({});
  const seen = /* @__PURE__ */ new Set();
  let from = sinceMs;
  while (true) {
    const batch = [];
    await Promise.all(
      groups.map(async (group) => {
        let token;
        do {
          const page = await client.send(
            new FilterLogEventsCommand({ logGroupName: group.name, startTime: from, nextToken: token }),
          );
          for (const event of page.events ?? []) {
            const id = `${group.name}/${event.eventId}`;
            if (seen.has(id)) continue;
            seen.add(id);
            batch.push({
              id,
              label: group.label,
              timestamp: event.timestamp ?? 0,
              message: event.message ?? "",
            });
          }
          token = page.nextToken;
        } while (token);
      }),
    );
    batch.sort((a, b2) => a.timestamp - b2.timestamp);
    for (const event of batch) onEvent(event);
    if (!follow) return;
    from = Math.max(from, Date.now() - 6e4);
    await new Promise((resolve2) => setTimeout(resolve2, 2e3));
  }
}
var stackNameOf;
var init_aws_inspection = __esm({
  "client/aws-inspection.ts"() {
    init_schedule_expression();
    init_static_schedules();
    init_local_runtime_files();
    stackNameOf = (stage) => `ClawTasks-${stage}`;
  },
});

// client/cli.ts
import { readFileSync as readFileSync2 } from "node:fs";
import { homedir } from "node:os";
import * as path2 from "node:path";
import { parseArgs as parseArgs3 } from "node:util";

// client/cli-output.ts
function table(header, rows) {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column])))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}
function age(iso, now = Date.now()) {
  if (!iso) return "-";
  const seconds = Math.round(Math.abs(now - Date.parse(iso)) / 1e3);
  const text =
    seconds < 60
      ? `${seconds}s`
      : seconds < 3600
        ? `${Math.floor(seconds / 60)}m`
        : seconds < 86400
          ? `${Math.floor(seconds / 3600)}h`
          : `${Math.floor(seconds / 86400)}d`;
  return Date.parse(iso) > now ? `in ${text}` : `${text} ago`;
}
function progressText(task) {
  if (!task.progress) return "";
  return `${Math.round(task.progress.percent)}%${task.progress.message ? ` ${task.progress.message}` : ""}`;
}
var taskColumns = ["ID", "TYPE", "STATUS", "PROGRESS", "ATTEMPTS", "PRIORITY", "CREATED"];
function taskRow(task, now = Date.now()) {
  return [
    task.id,
    task.type,
    task.status,
    progressText(task) || "-",
    `${task.attempts}/${task.maxAttempts}`,
    task.priority,
    age(task.createdAt, now),
  ];
}
function describeTask(task) {
  const lines = [
    ["id", task.id],
    ["type", `${task.type} (lane ${task.lane}, priority ${task.priority})`],
    ["status", task.status],
    ["attempts", `${task.attempts} of ${task.maxAttempts}`],
    ["created", task.createdAt],
  ];
  if (task.progress) lines.push(["progress", progressText(task)]);
  if (task.runAt) lines.push(["runs at", task.runAt]);
  if (task.expiresAt) lines.push(["expires", task.expiresAt]);
  if (task.nextAttemptAt) lines.push(["next attempt", task.nextAttemptAt]);
  if (task.startedAt) lines.push(["started", task.startedAt]);
  if (task.finishedAt) lines.push(["finished", task.finishedAt]);
  if (task.scheduleName) lines.push(["schedule", task.scheduleName]);
  if (task.tags && Object.keys(task.tags).length > 0) {
    lines.push([
      "tags",
      Object.entries(task.tags)
        .map(([key, value]) => `${key}=${value}`)
        .join(" "),
    ]);
  }
  if (task.error) lines.push(["error", `${task.error.type}: ${task.error.message}`]);
  if (task.result !== void 0) lines.push(["result", JSON.stringify(task.result)]);
  return lines.map(([name, value]) => `${`${name}:`.padEnd(14)}${value}`).join("\n");
}
var spinner = [
  "\u280B",
  "\u2819",
  "\u2839",
  "\u2838",
  "\u283C",
  "\u2834",
  "\u2826",
  "\u2827",
  "\u2807",
  "\u280F",
];
var ProgressLine = class {
  #stream;
  #started = Date.now();
  #frame = 0;
  #text = "";
  #ticker;
  constructor(stream) {
    this.#stream = stream;
    if (stream.isTTY) this.#ticker = setInterval(() => this.#render(), 100).unref();
  }
  update(task) {
    const attempt = task.attempts > 0 ? ` \xB7 attempt ${task.attempts}/${task.maxAttempts}` : "";
    const progress = progressText(task);
    const text = `${task.id} ${task.status}${progress ? ` ${progress}` : ""}${attempt}`;
    if (text === this.#text) return;
    this.#text = text;
    if (this.#stream.isTTY) this.#render();
    else
      this.#stream.write(`${text}
`);
  }
  #render() {
    if (!this.#text) return;
    const elapsed = ((Date.now() - this.#started) / 1e3).toFixed(1);
    this.#frame = (this.#frame + 1) % spinner.length;
    this.#stream.write(`\r\x1B[2K${spinner[this.#frame]} ${this.#text} \xB7 ${elapsed}s`);
  }
  /** Stops the spinner and clears the line on a terminal. */
  done() {
    clearInterval(this.#ticker);
    if (this.#stream.isTTY && this.#text) this.#stream.write("\r\x1B[2K");
  }
};

// client/doctor-command.ts
import { parseArgs } from "node:util";

// client/errors.ts
var ClawTasksError = class extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = "ClawTasksError";
  }
};
var ClawTasksApiError = class extends ClawTasksError {
  status;
  code;
  details;
  constructor(status, code, message, details) {
    super(message);
    this.name = "ClawTasksApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }
  /** For `validation_error`: each bad field's dotted path (`input.sleepMs`) and what is wrong with it. */
  get issues() {
    const issues = this.details?.issues;
    return Array.isArray(issues) ? issues : [];
  }
};
var ClawTasksConnectionError = class extends ClawTasksError {
  constructor(url, cause) {
    super(`no answer from ${url}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "ClawTasksConnectionError";
  }
};
var ClawTasksTimeoutError = class extends ClawTasksError {
  /** The task as last read. */
  task;
  constructor(task, timeoutMs) {
    super(`task ${task.id} is still ${task.status} after ${timeoutMs} ms`);
    this.name = "ClawTasksTimeoutError";
    this.task = task;
  }
};
var codeOfStatus = {
  400: "validation_error",
  401: "unauthorized",
  404: "not_found",
  409: "conflict",
  413: "payload_too_large",
  429: "throttled",
  500: "internal_error",
  503: "service_unavailable",
};
function errorOfResponse(request, status, body) {
  const error = body?.error;
  if (error && typeof error.code === "string" && typeof error.message === "string") {
    return new ClawTasksApiError(status, error.code, error.message, error.details);
  }
  const message = body?.message;
  return new ClawTasksApiError(
    status,
    codeOfStatus[status] ?? "http_error",
    `${request}: ${typeof message === "string" ? message : `HTTP ${status}`}${status === 404 ? " (this API has no such route)" : ""}`,
  );
}

// client/client.ts
var terminal = ["succeeded", "failed", "cancelled", "expired"];
var isFinished = (task) => terminal.includes(task.status);
function sleep(ms, signal) {
  return new Promise((resolve2, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", abort);
      resolve2();
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", abort, { once: true });
  });
}
var changeKey = (task) =>
  JSON.stringify([task.status, task.attempts, task.progress?.percent, task.progress?.message]);
var ClawTasksClient = class {
  #url;
  #apiKey;
  #fetch;
  constructor(options) {
    if (!options.url) throw new TypeError("ClawTasksClient: url is required");
    if (!options.apiKey) throw new TypeError("ClawTasksClient: apiKey is required");
    this.#url = options.url.replace(/\/+$/, "");
    this.#apiKey = options.apiKey;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }
  /** One API call; throws ClawTasksApiError for a non-2xx answer. */
  async request(method, path3, options = {}) {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== void 0) query.set(name, String(value));
    }
    const url = `${this.#url}${path3}${query.size > 0 ? `?${query}` : ""}`;
    const headers = {
      authorization: `Bearer ${this.#apiKey}`,
      accept: "application/json",
      ...options.headers,
    };
    if (options.body !== void 0) headers["content-type"] = "application/json";
    let response;
    try {
      response = await this.#fetch(url, {
        method,
        headers,
        ...(options.body === void 0 ? {} : { body: JSON.stringify(options.body) }),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw new ClawTasksConnectionError(this.#url, error);
    }
    const text = await response.text();
    let body;
    try {
      body = text ? JSON.parse(text) : void 0;
    } catch {
      body = { message: text.slice(0, 200) };
    }
    if (!response.ok) throw errorOfResponse(`${method} ${path3}`, response.status, body);
    return body;
  }
  /** Submits a task; the input is typed by the catalog's schema for `type`. */
  submit(type, ...[input, options = {}]) {
    const { idempotencyKey, ...submission } = options;
    return this.request("POST", "/v1/tasks", {
      body: { ...submission, type, ...(input === void 0 ? {} : { input }) },
      ...(idempotencyKey === void 0 ? {} : { headers: { "Idempotency-Key": idempotencyKey } }),
    });
  }
  get(id) {
    return this.request("GET", `/v1/tasks/${encodeURIComponent(id)}`);
  }
  /** Pages of tasks, newest first: `for await (const page of client.list({status: "failed"}))`. */
  async *list(filter = {}, signal) {
    let cursor = filter.cursor;
    do {
      const page = await this.request("GET", "/v1/tasks", {
        query: { status: filter.status, type: filter.type, tag: filter.tag, limit: filter.limit, cursor },
        signal,
      });
      yield page;
      cursor = page.nextCursor ?? void 0;
    } while (cursor);
  }
  /** Cancels a task: a waiting one ends `cancelled` at once; a running one gets its AbortSignal. */
  cancel(id) {
    return this.request("POST", `/v1/tasks/${encodeURIComponent(id)}/cancel`);
  }
  /** Queues a failed, cancelled or expired task again under its id. */
  retry(id) {
    return this.request("POST", `/v1/tasks/${encodeURIComponent(id)}/retry`);
  }
  /** Reads the task until it is finished and resolves with it, whatever its outcome. */
  async wait(id, options = {}) {
    const deadline = options.timeout === void 0 ? void 0 : Date.now() + options.timeout;
    let lastKey;
    for (;;) {
      const task = await this.request("GET", `/v1/tasks/${encodeURIComponent(id)}`, {
        signal: options.signal,
      });
      const key = changeKey(task);
      if (key !== lastKey) {
        lastKey = key;
        options.onProgress?.(task);
      }
      if (isFinished(task)) return task;
      const wait = options.interval ?? 500;
      if (deadline !== void 0 && Date.now() + wait > deadline) {
        throw new ClawTasksTimeoutError(task, options.timeout);
      }
      await sleep(wait, options.signal);
    }
  }
  stats() {
    return this.request("GET", "/v1/stats");
  }
  async queues() {
    return (await this.request("GET", "/v1/queues")).items;
  }
  /** Moves a lane's dead letters back to its queues. */
  redrive(lane) {
    return this.request("POST", `/v1/queues/${encodeURIComponent(lane)}/redrive`);
  }
  async rateLimits() {
    return (await this.request("GET", "/v1/rate-limits")).items;
  }
  /** Sets a type's global rate limit (null: unlimited), or with `undefined` goes back to the catalog's. */
  setRateLimit(type, perMinute) {
    const path3 = `/v1/rate-limits/${encodeURIComponent(type)}`;
    return perMinute === void 0
      ? this.request("DELETE", path3)
      : this.request("PUT", path3, { body: { perMinute } });
  }
  health() {
    return this.request("GET", "/v1/health");
  }
  /** The API's OpenAPI 3.1 document. */
  openApi() {
    return this.request("GET", "/v1/openapi.json");
  }
  /** Dynamic schedules. */
  schedules = {
    list: async (signal) => {
      const items = [];
      let cursor;
      do {
        const page = await this.request("GET", "/v1/schedules", { query: { limit: 100, cursor }, signal });
        items.push(...page.items);
        cursor = page.nextCursor ?? void 0;
      } while (cursor);
      return items;
    },
    get: (name) => this.request("GET", `/v1/schedules/${encodeURIComponent(name)}`),
    create: (definition) => this.request("POST", "/v1/schedules", { body: definition }),
    update: (name, change) =>
      this.request("PATCH", `/v1/schedules/${encodeURIComponent(name)}`, { body: change }),
    enable: (name) => this.schedules.update(name, { enabled: true }),
    disable: (name) => this.schedules.update(name, { enabled: false }),
    delete: async (name) => {
      await this.request("DELETE", `/v1/schedules/${encodeURIComponent(name)}`);
    },
  };
  /** Lane workers: pause, resume, resize. */
  workers = {
    list: async () => (await this.request("GET", "/v1/workers")).items,
    update: (lane, change) =>
      this.request("PATCH", `/v1/workers/${encodeURIComponent(lane)}`, { body: change }),
    pause: (lane) => this.workers.update(lane, { enabled: false }),
    resume: (lane) => this.workers.update(lane, { enabled: true }),
    setConcurrency: (lane, maxConcurrency) => this.workers.update(lane, { maxConcurrency }),
  };
};

// client/doctor-command.ts
var doctorUsage = `claw-tasks doctor [--stage STAGE] [--timeout SECONDS] [--json]
  Checks a running system: health, workers, static schedules, DLQs, alarms (stage only), an echo round trip.
  One line per check; exit code 1 when any fails.`;
var stalledAfterMs = 5 * 6e4;
var ago = (iso, now) => {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1e3));
  return seconds < 120 ? `${seconds} s ago` : `${Math.round(seconds / 60)} min ago`;
};
var failed = (name, error) => ({
  name,
  ok: false,
  detail: error.message,
});
async function apiChecks(client, url, timeoutSeconds) {
  const checks = [];
  try {
    const health = await client.health();
    checks.push({ name: "API health", ok: health.status === "ok", detail: `${health.status} (${url})` });
  } catch (error) {
    return [failed("API health", error)];
  }
  const paused = /* @__PURE__ */ new Set();
  try {
    const now = Date.now();
    for (const worker of await client.workers.list()) {
      const name = `worker ${worker.lane}`;
      if (!worker.enabled) {
        paused.add(worker.lane);
        checks.push({
          name,
          ok: false,
          detail: `paused (${worker.state}), ${worker.backlog} waiting: claw-tasks workers resume ${worker.lane}`,
        });
        continue;
      }
      const last = worker.lastActivityAt;
      const stalled = worker.backlog > 0 && (last === null || now - Date.parse(last) > stalledAfterMs);
      checks.push({
        name,
        ok: !stalled,
        detail: stalled
          ? `enabled but not consuming: ${worker.backlog} waiting, last activity ${last ? ago(last, now) : "never"}`
          : `enabled, concurrency ${worker.maxConcurrency ?? "-"}, ${worker.backlog} waiting, ${worker.inFlight} in flight, last activity ${last ? ago(last, now) : "none yet"}`,
      });
    }
  } catch (error) {
    checks.push(failed("workers", error));
  }
  try {
    for (const lane of await client.queues()) {
      checks.push({
        name: `DLQ ${lane.lane}`,
        ok: lane.deadLetters === 0,
        detail:
          lane.deadLetters === 0
            ? "empty"
            : `${lane.deadLetters} dead letter(s): look at them, then POST /v1/queues/${lane.lane}/redrive`,
      });
    }
  } catch (error) {
    checks.push(failed("DLQs", error));
  }
  const echoLane = "default";
  if (paused.has(echoLane)) {
    checks.push({ name: "echo round trip", ok: false, detail: `not tried: lane ${echoLane} is paused` });
  } else {
    const value = `doctor-${Date.now()}`;
    const started = Date.now();
    try {
      const task = await client.submit("echo", { value }, { priority: "high", tags: { source: "doctor" } });
      const done = await client.wait(task.id, { timeout: timeoutSeconds * 1e3, interval: 100 });
      const ok = done.status === "succeeded" && done.result === value;
      checks.push({
        name: "echo round trip",
        ok,
        detail: ok
          ? `${((Date.now() - started) / 1e3).toFixed(1)} s (task ${task.id})`
          : `task ${task.id} ended ${done.status}${done.error ? `: ${done.error.type}: ${done.error.message}` : ""}`,
      });
    } catch (error) {
      checks.push(failed("echo round trip", error));
    }
  }
  return checks;
}
async function awsChecks(stage, io, cwd) {
  const checks = [];
  const { staticScheduleStates: staticScheduleStates2, stageAlarms: stageAlarms2 } =
    await Promise.resolve().then(() => (init_aws_inspection(), aws_inspection_exports));
  try {
    for (const schedule of await staticScheduleStates2(
      { ...(stage ? { stage } : {}), env: io.env, cwd },
      /* @__PURE__ */ new Date(),
    )) {
      const name = `schedule ${schedule.name}`;
      if (!schedule.found) checks.push({ name, ok: false, detail: "missing (deploy the stack again)" });
      else if (!schedule.enabled)
        checks.push({ name, ok: false, detail: `${schedule.expression}: disabled` });
      else
        checks.push({
          name,
          ok: schedule.nextFireTime !== void 0,
          detail: `${schedule.expression} ${schedule.timezone}, next ${schedule.nextFireTime ?? "never"}`,
        });
    }
  } catch (error) {
    checks.push(failed("static schedules", error));
  }
  if (!stage) {
    checks.push({
      name: "alarms",
      ok: null,
      detail: "not checked: CloudWatch alarms exist in a deployed stage only (doctor --stage STAGE)",
    });
  } else {
    try {
      const { total, firing } = await stageAlarms2(stage);
      checks.push({
        name: "alarms",
        ok: total > 0 && firing.length === 0,
        detail:
          total === 0
            ? `no alarm named claw-tasks-${stage}-* found`
            : firing.length === 0
              ? `${total} alarms, none in ALARM`
              : `in ALARM: ${firing.map((alarm) => `${alarm.name} (${alarm.reason})`).join("; ")}`,
      });
    } catch (error) {
      checks.push(failed("alarms", error));
    }
  }
  return checks;
}
async function runDoctor(args, client, io, cwd = process.cwd()) {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: { stage: { type: "string" }, timeout: { type: "string" }, json: { type: "boolean" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    io.stderr.write(`claw-tasks: ${error.message}
${doctorUsage}
`);
    return 2;
  }
  const timeoutSeconds = Number(values.timeout ?? 30);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    io.stderr.write(`claw-tasks: --timeout: expected seconds > 0
${doctorUsage}
`);
    return 2;
  }
  let api;
  let url;
  if (values.stage) {
    const apiKey = io.env.CLAW_TASKS_API_KEY;
    if (!apiKey) {
      io.stderr.write(
        `claw-tasks: doctor --stage needs CLAW_TASKS_API_KEY, a key of stage ${values.stage}
`,
      );
      return 2;
    }
    try {
      const { stageApiUrl: stageApiUrl2 } = await Promise.resolve().then(
        () => (init_aws_inspection(), aws_inspection_exports),
      );
      url = await stageApiUrl2(values.stage);
    } catch (error) {
      io.stderr.write(`claw-tasks: doctor: ${error.message}
`);
      return 1;
    }
    api = new ClawTasksClient({ url, apiKey });
  } else {
    api = client();
    url = io.env.CLAW_TASKS_API_URL ?? "the configured API";
  }
  const checks = [
    ...(await apiChecks(api, url, timeoutSeconds)),
    ...(await awsChecks(values.stage, io, cwd)),
  ];
  if (values.json)
    io.stdout.write(`${JSON.stringify(checks, null, 2)}
`);
  else
    for (const check of checks) {
      io.stdout.write(`${check.ok === null ? "\u2013" : check.ok ? "\u2713" : "\u2717"} ${check.name}: ${check.detail}
`);
    }
  const failures = checks.filter((check) => check.ok === false).length;
  if (!values.json) {
    io.stdout.write(
      failures === 0
        ? "all checks passed\n"
        : `${failures} check${failures === 1 ? "" : "s"} failed
`,
    );
  }
  return failures === 0 ? 0 : 1;
}

// client/logs-command.ts
import { createReadStream, existsSync as existsSync2, statSync } from "node:fs";
import { parseArgs as parseArgs2 } from "node:util";

// functions/tasks/lanes.ts
var lanes = {
  ai_high_priority: {
    batchSize: 1,
    maxConcurrency: 10,
    maxReceiveCount: 5,
    oldestMessageAlarmSeconds: 1200,
  },
  knowledge_default: {
    batchSize: 1,
    maxConcurrency: 5,
    maxReceiveCount: 5,
    oldestMessageAlarmSeconds: 3600,
  },
  notification_default: {
    batchSize: 10,
    maxConcurrency: 5,
    maxReceiveCount: 5,
    oldestMessageAlarmSeconds: 1200,
  },
  default: { batchSize: 10, maxConcurrency: 5, maxReceiveCount: 5, oldestMessageAlarmSeconds: 1800 },
};
var laneNames = Object.keys(lanes);
function isLane(value) {
  return Object.hasOwn(lanes, value);
}

// local/log-format.ts
var quietKeys = /* @__PURE__ */ new Set([
  "level",
  "message",
  "timestamp",
  "service",
  "sampling_rate",
  "xray_trace_id",
  "cold_start",
  "function_arn",
  "function_memory_size",
  "function_name",
  "function_request_id",
  "_aws",
]);
var leadingKeys = ["taskId", "lane", "taskType", "type"];
function parseObject(line) {
  if (!line.startsWith("{")) return void 0;
  try {
    const value = JSON.parse(line);
    return value !== null && typeof value === "object" && !Array.isArray(value) ? value : void 0;
  } catch {
    return void 0;
  }
}
function show(value) {
  if (typeof value === "string") return /[\s"=]/.test(value) || value === "" ? JSON.stringify(value) : value;
  return JSON.stringify(value);
}
function clock(timestamp) {
  const time =
    typeof timestamp === "string" || typeof timestamp === "number"
      ? new Date(timestamp)
      : /* @__PURE__ */ new Date();
  return Number.isNaN(time.getTime())
    ? /* @__PURE__ */ new Date().toISOString().slice(11, 23)
    : time.toISOString().slice(11, 23);
}
function pairs(record, skip) {
  const keys = Object.keys(record).filter((key) => !quietKeys.has(key) && !skip.has(key));
  keys.sort((a, b2) => {
    const rank = (key) => (leadingKeys.includes(key) ? leadingKeys.indexOf(key) : leadingKeys.length);
    return rank(a) - rank(b2);
  });
  return keys.map((key) => `${key}=${show(record[key])}`);
}
function formatMetrics(label, record, emf) {
  const metrics = emf.CloudWatchMetrics?.flatMap((directive) => directive.Metrics ?? []) ?? [];
  const names = new Set(metrics.map((metric) => metric.Name));
  const values = metrics.map((metric) => {
    const unit = metric.Unit === "Milliseconds" ? "ms" : "";
    return `${metric.Name}=${show(record[metric.Name])}${unit}`;
  });
  const timestamp = record._aws.Timestamp;
  return [clock(timestamp), "METRIC", label, ...values, ...pairs(record, names)].join(" ");
}
function formatError(error) {
  if (error === null || typeof error !== "object") return [`  error: ${show(error)}`];
  const { name, message, stack } = error;
  const lines = [`  error: ${name ?? "Error"}: ${message ?? ""}`];
  if (stack)
    lines.push(
      ...stack
        .split("\n")
        .slice(1, 6)
        .map((frame) => `    ${frame.trim()}`),
    );
  return lines;
}
function formatLogLine(label, line) {
  const record = parseObject(line);
  if (!record) return `${label}  ${line}`;
  const emf = record._aws;
  if (emf?.CloudWatchMetrics) return formatMetrics(label, record, emf);
  if (typeof record.level !== "string" || typeof record.message !== "string") return `${label}  ${line}`;
  const head = [
    clock(record.timestamp),
    record.level.padEnd(5),
    label,
    record.message,
    ...pairs(record, /* @__PURE__ */ new Set(["error"])),
  ].join(" ");
  return record.error === void 0 ? head : [head, ...formatError(record.error)].join("\n");
}
function functionLabel(functionName, stackName) {
  const logicalId = functionName.startsWith(`${stackName}-`)
    ? functionName.slice(stackName.length + 1)
    : functionName;
  return logicalId.replace(/[0-9A-F]{8}$/, "");
}

// client/logs-command.ts
init_local_runtime_files();
var logsUsage = `claw-tasks logs [--lane LANE | --function NAME] [--task ID] [--follow] [--since 10m|ISO]
                [--json] [--file PATH | --stage STAGE]
  The functions' logs: the local runtime's (.local/functions.log, written by npm start)
  or, with --stage, the stage's CloudWatch Logs. --since defaults to 10m; s, m, h, d.`;
function labelOf(functionName) {
  const dash = functionName.lastIndexOf("-");
  return dash < 0 ? functionName : functionLabel(functionName, functionName.slice(0, dash));
}
function laneWorkerLabel(lane) {
  const pascal = lane
    .split("_")
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
  return `Lane${pascal}Worker`;
}
function sinceOf(text, now) {
  const relative = /^(\d+)(s|m|h|d)$/.exec(text);
  if (relative) {
    const unit = { s: 1e3, m: 6e4, h: 36e5, d: 864e5 }[relative[2]];
    return now - Number(relative[1]) * unit;
  }
  const absolute = Date.parse(text);
  if (Number.isNaN(absolute))
    throw new Error(`--since: expected 10m, 30s, 2h, 1d or an ISO date-time, got ${text}`);
  return absolute;
}
function parseRecord(raw) {
  const match = /^\[([^\]]+)\] (.*)$/.exec(raw);
  if (!match) return void 0;
  const [, functionName, line] = match;
  return { functionName, label: labelOf(functionName), time: timeOf(line), line };
}
function timeOf(line) {
  if (!line.startsWith("{")) return void 0;
  try {
    const record = JSON.parse(line);
    const value = record.timestamp ?? record._aws?.Timestamp;
    const time = value === void 0 ? Number.NaN : new Date(value).getTime();
    return Number.isNaN(time) ? void 0 : time;
  } catch {
    return void 0;
  }
}
function print(record, json, io) {
  if (!json) {
    io.stdout.write(`${formatLogLine(record.label, record.line)}
`);
    return;
  }
  let body;
  try {
    const parsed = JSON.parse(record.line);
    body =
      parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)
        ? parsed
        : { message: record.line };
  } catch {
    body = { message: record.line };
  }
  io.stdout.write(`${JSON.stringify({ function: record.functionName, ...body })}
`);
}
function recordFilter(filter) {
  let lastTime = 0;
  return (record) => {
    const time = record.time ?? lastTime;
    lastTime = time;
    if (record.time !== void 0 && time < filter.sinceMs) return false;
    if (record.time === void 0 && lastTime !== 0 && lastTime < filter.sinceMs) return false;
    if (filter.label && !filter.label(record.label)) return false;
    if (filter.taskId && !record.line.includes(filter.taskId)) return false;
    return true;
  };
}
async function readLines(file, offset, onLine) {
  let position = offset;
  let rest = "";
  for await (const chunk of createReadStream(file, { start: offset, encoding: "utf8" })) {
    const text = rest + chunk;
    const lines = text.split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) {
      position += Buffer.byteLength(line, "utf8") + 1;
      if (line) onLine(line);
    }
  }
  return position;
}
async function followFile(file, follow, onLine) {
  let offset = await readLines(file, 0, onLine);
  while (follow) {
    await new Promise((resolve2) => setTimeout(resolve2, 250));
    const size = existsSync2(file) ? statSync(file).size : 0;
    if (size < offset) offset = 0;
    if (size > offset) offset = await readLines(file, offset, onLine);
  }
}
async function runLogs(args, io, cwd = process.cwd()) {
  let values;
  try {
    ({ values } = parseArgs2({
      args: [...args],
      options: {
        lane: { type: "string" },
        function: { type: "string" },
        task: { type: "string" },
        follow: { type: "boolean", short: "f" },
        since: { type: "string" },
        json: { type: "boolean" },
        file: { type: "string" },
        stage: { type: "string" },
      },
      strict: true,
      allowPositionals: false,
    }));
    if (values.lane && values.function) throw new Error("give --lane or --function, not both");
    if (values.lane && !isLane(values.lane))
      throw new Error(`--lane: unknown lane ${values.lane}; lanes: ${laneNames.join(", ")}`);
    if (values.file && values.stage) throw new Error("give --file or --stage, not both");
  } catch (error) {
    io.stderr.write(`claw-tasks: ${error.message}
${logsUsage}
`);
    return 2;
  }
  try {
    const wanted = values.lane
      ? laneWorkerLabel(values.lane)
      : values.function
        ? values.function.toLowerCase()
        : void 0;
    const filter = {
      sinceMs: sinceOf(values.since ?? "10m", Date.now()),
      ...(wanted === void 0
        ? {}
        : {
            label: values.lane
              ? (label) => label === wanted
              : (label) => label.toLowerCase().includes(wanted),
          }),
      ...(values.task ? { taskId: values.task } : {}),
    };
    const json = values.json ?? false;
    const passes = recordFilter(filter);
    if (values.stage) {
      const { stageLogGroups: stageLogGroups2, readStageLogEvents: readStageLogEvents2 } =
        await Promise.resolve().then(() => (init_aws_inspection(), aws_inspection_exports));
      const groups = (await stageLogGroups2(values.stage)).filter(
        (group) => !filter.label || filter.label(group.label),
      );
      if (groups.length === 0) throw new Error(`no function log group of stage ${values.stage} matches`);
      await readStageLogEvents2(groups, filter.sinceMs, values.follow ?? false, (event) => {
        const record = {
          label: event.label,
          functionName: event.label,
          time: event.timestamp,
          line: event.message.trimEnd(),
        };
        if (passes(record)) print(record, json, io);
      });
      return 0;
    }
    const file = localLogFile(values.file ?? io.env.CLAW_TASKS_LOG_FILE, cwd);
    await followFile(file, values.follow ?? false, (raw) => {
      const record = parseRecord(raw);
      if (record && passes(record)) print(record, json, io);
    });
    return 0;
  } catch (error) {
    io.stderr.write(`claw-tasks: logs: ${error.message}
`);
    return 1;
  }
}

// client/cli.ts
var exitCodes = { ok: 0, apiError: 1, usage: 2, taskUnsuccessful: 3, timeout: 4 };
var UsageError = class extends Error {};
var usage = `claw-tasks: submit and manage claw-tasks tasks

Usage: claw-tasks <command> [options]

Tasks
  submit TYPE [--input JSON|@FILE|-] [--priority high|normal|low] [--delay SECONDS]
              [--run-at ISO] [--expires-at ISO] [--max-attempts N] [--tag KEY=VALUE]...
              [--callback-url URL] [--idempotency-key KEY] [--wait [--timeout SECONDS]]
  status ID                 one task
  wait ID [--timeout S]     show its progress until it ends
  ls [--status S] [--type T] [--tag KEY:VALUE] [--limit N]
  cancel ID
  retry ID [--wait]
  watch [--status S] [--type T] [--limit N] [--interval MS] [--count N]   live table
  stats                     counts and lane depths

Schedules
  schedules ls
  schedules create NAME --expression 'rate(5 minutes)'|'cron(...)'|'at(...)' --type TYPE
                   [--input JSON|@FILE] [--priority P] [--timezone TZ] [--description TEXT] [--disabled]
  schedules rm|enable|disable NAME

Workers
  workers ls
  workers pause|resume LANE
  workers set LANE --concurrency N

Operations
  ${logsUsage.replaceAll("\n", "\n  ")}
  ${doctorUsage.replaceAll("\n", "\n  ")}

Options: --json (machine-readable output), --help
Configuration: CLAW_TASKS_API_URL and CLAW_TASKS_API_KEY, or a JSON file {"url", "apiKey"}
  at CLAW_TASKS_CONFIG (default ~/.config/claw-tasks/config.json).
Exit codes: 0 done, 1 API error or no answer, 2 bad usage or configuration,
  3 the task ended without succeeding, 4 gave up waiting.
`;
function loadConfig(env) {
  const file =
    env.CLAW_TASKS_CONFIG ??
    path2.join(env.XDG_CONFIG_HOME ?? path2.join(homedir(), ".config"), "claw-tasks", "config.json");
  let fromFile = {};
  try {
    fromFile = JSON.parse(readFileSync2(file, "utf8"));
  } catch (error) {
    const missing = error.code === "ENOENT";
    if (!missing || env.CLAW_TASKS_CONFIG) {
      throw new UsageError(`cannot read the config file ${file}: ${error.message}`);
    }
  }
  const url = env.CLAW_TASKS_API_URL || fromFile.url;
  const apiKey = env.CLAW_TASKS_API_KEY || fromFile.apiKey;
  if (!url || !apiKey) {
    throw new UsageError(
      `no API ${url ? "key" : "URL"}: set CLAW_TASKS_API_URL and CLAW_TASKS_API_KEY, or write {"url", "apiKey"} to ${file}`,
    );
  }
  return { url, apiKey };
}
var jsonOption = { json: { type: "boolean" }, help: { type: "boolean", short: "h" } };
function parse(args, options, positionals) {
  let parsed;
  try {
    parsed = parseArgs3({
      args,
      options: { ...jsonOption, ...options },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(error.message);
  }
  if (parsed.positionals.length !== positionals.length && !parsed.values.help) {
    throw new UsageError(
      positionals.length === 0
        ? `unexpected argument ${parsed.positionals[0]}`
        : `expected ${positionals.join(" ")}${parsed.positionals.length > positionals.length ? `, got also ${parsed.positionals.slice(positionals.length).join(" ")}` : ""}`,
    );
  }
  return parsed;
}
function integerOption(value, name, min = 0) {
  if (value === void 0) return void 0;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min)
    throw new UsageError(`--${name}: expected an integer \u2265 ${min}`);
  return number;
}
function readInput(value) {
  if (value === void 0) return void 0;
  let text = value;
  if (value === "-") text = readFileSync2(0, "utf8");
  else if (value.startsWith("@")) {
    try {
      text = readFileSync2(value.slice(1), "utf8");
    } catch (error) {
      throw new UsageError(`--input: cannot read ${value.slice(1)}: ${error.message}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`--input: not valid JSON: ${text.slice(0, 80)}`);
  }
}
function tagsOf(values) {
  if (!values?.length) return void 0;
  return Object.fromEntries(
    values.map((tag) => {
      const at = tag.indexOf("=");
      if (at < 1) throw new UsageError(`--tag: expected KEY=VALUE, got ${tag}`);
      return [tag.slice(0, at), tag.slice(at + 1)];
    }),
  );
}
var print2 = (io, text) =>
  io.stdout.write(`${text}
`);
var printJson = (io, value) =>
  io.stdout.write(`${JSON.stringify(value, null, 2)}
`);
async function waitAndReport(client, id, json, timeoutSeconds, io) {
  const line = new ProgressLine(io.stderr);
  let task;
  try {
    task = await client.wait(id, {
      onProgress: (current) => line.update(current),
      interval: 250,
      ...(timeoutSeconds === void 0 ? {} : { timeout: timeoutSeconds * 1e3 }),
    });
  } catch (error) {
    line.done();
    if (error instanceof ClawTasksTimeoutError) {
      if (json) printJson(io, error.task);
      io.stderr.write(`claw-tasks: ${error.message}
`);
      return exitCodes.timeout;
    }
    throw error;
  }
  line.done();
  if (json) printJson(io, task);
  else print2(io, describeTask(task));
  return task.status === "succeeded" ? exitCodes.ok : exitCodes.taskUnsuccessful;
}
var taskCommands = {
  async submit(args, client, io) {
    const { values, positionals } = parse(
      args,
      {
        input: { type: "string", short: "i" },
        priority: { type: "string", short: "p" },
        delay: { type: "string" },
        "run-at": { type: "string" },
        "expires-at": { type: "string" },
        "max-attempts": { type: "string" },
        tag: { type: "string", multiple: true },
        "callback-url": { type: "string" },
        "idempotency-key": { type: "string" },
        wait: { type: "boolean", short: "w" },
        timeout: { type: "string" },
      },
      ["TYPE"],
    );
    const options = {
      priority: values.priority,
      delaySeconds: integerOption(values.delay, "delay"),
      runAt: values["run-at"],
      expiresAt: values["expires-at"],
      maxAttempts: integerOption(values["max-attempts"], "max-attempts", 1),
      tags: tagsOf(values.tag),
      callbackUrl: values["callback-url"],
      idempotencyKey: values["idempotency-key"],
    };
    for (const key of Object.keys(options)) if (options[key] === void 0) delete options[key];
    const timeout = integerOption(values.timeout, "timeout", 1);
    const input = readInput(values.input);
    const task = await client().submit(positionals[0], input, options);
    if (values.wait) return waitAndReport(client(), task.id, values.json ?? false, timeout, io);
    if (values.json) printJson(io, task);
    else print2(io, task.id);
    return exitCodes.ok;
  },
  async status(args, client, io) {
    const { values, positionals } = parse(args, {}, ["ID"]);
    const task = await client().get(positionals[0]);
    if (values.json) printJson(io, task);
    else print2(io, describeTask(task));
    return exitCodes.ok;
  },
  async wait(args, client, io) {
    const { values, positionals } = parse(args, { timeout: { type: "string" } }, ["ID"]);
    return waitAndReport(
      client(),
      positionals[0],
      values.json ?? false,
      integerOption(values.timeout, "timeout", 1),
      io,
    );
  },
  async ls(args, client, io) {
    const { values } = parse(
      args,
      {
        status: { type: "string" },
        type: { type: "string" },
        tag: { type: "string" },
        limit: { type: "string" },
      },
      [],
    );
    const limit = integerOption(values.limit, "limit", 1) ?? 20;
    const tasks = [];
    for await (const page of client().list({
      ...(values.status ? { status: values.status } : {}),
      ...(values.type ? { type: values.type } : {}),
      ...(values.tag ? { tag: values.tag } : {}),
      limit: Math.min(limit, 100),
    })) {
      tasks.push(...page.items);
      if (tasks.length >= limit) break;
    }
    tasks.splice(limit);
    if (values.json) printJson(io, tasks);
    else
      print2(
        io,
        tasks.length === 0
          ? "no tasks"
          : table(
              taskColumns,
              tasks.map((task) => taskRow(task)),
            ),
      );
    return exitCodes.ok;
  },
  async cancel(args, client, io) {
    const { values, positionals } = parse(args, {}, ["ID"]);
    const task = await client().cancel(positionals[0]);
    if (values.json) printJson(io, task);
    else
      print2(
        io,
        task.status === "cancelled"
          ? `${task.id} cancelled`
          : `${task.id} is ${task.status}: cancel requested`,
      );
    return exitCodes.ok;
  },
  async retry(args, client, io) {
    const { values, positionals } = parse(
      args,
      { wait: { type: "boolean", short: "w" }, timeout: { type: "string" } },
      ["ID"],
    );
    const timeout = integerOption(values.timeout, "timeout", 1);
    const task = await client().retry(positionals[0]);
    if (values.wait) return waitAndReport(client(), task.id, values.json ?? false, timeout, io);
    if (values.json) printJson(io, task);
    else print2(io, `${task.id} ${task.status} again`);
    return exitCodes.ok;
  },
  async watch(args, client, io) {
    const { values } = parse(
      args,
      {
        status: { type: "string" },
        type: { type: "string" },
        tag: { type: "string" },
        limit: { type: "string" },
        interval: { type: "string" },
        count: { type: "string" },
      },
      [],
    );
    const limit = Math.min(integerOption(values.limit, "limit", 1) ?? 20, 100);
    const interval = integerOption(values.interval, "interval", 100) ?? 1e3;
    const count = integerOption(values.count, "count", 1);
    const filter = {
      ...(values.status ? { status: values.status } : {}),
      ...(values.type ? { type: values.type } : {}),
      ...(values.tag ? { tag: values.tag } : {}),
      limit,
    };
    for (let round = 1; count === void 0 || round <= count; round++) {
      const [page, stats] = await Promise.all([client().list(filter).next(), client().stats()]);
      const tasks = page.value?.items ?? [];
      if (values.json) {
        io.stdout.write(`${JSON.stringify({ time: stats.time, byStatus: stats.byStatus, tasks })}
`);
      } else {
        const counts = Object.entries(stats.byStatus)
          .map(([status, n]) => `${status} ${n}`)
          .join(" \xB7 ");
        const lanes2 = stats.lanes
          .map(
            (lane) =>
              `${lane.lane}: ${lane.visible} waiting, ${lane.inFlight} in flight, ${lane.deadLetters} DLQ`,
          )
          .join("\n");
        const screen = `claw-tasks ${stats.time}  (every ${interval} ms; Ctrl-C to stop)
${counts}
${lanes2}

${
  tasks.length === 0
    ? "no tasks"
    : table(
        taskColumns,
        tasks.map((task) => taskRow(task)),
      )
}
`;
        io.stdout.write(
          io.stdout.isTTY
            ? `\x1B[H\x1B[2J${screen}`
            : `${screen}
`,
        );
      }
      if (count !== void 0 && round >= count) break;
      await new Promise((resolve2) => setTimeout(resolve2, interval));
    }
    return exitCodes.ok;
  },
  async stats(args, client, io) {
    const { values } = parse(args, {}, []);
    const stats = await client().stats();
    if (values.json) {
      printJson(io, stats);
      return exitCodes.ok;
    }
    const statuses = Object.entries(stats.byStatus);
    print2(
      io,
      [
        statuses.length === 0
          ? "no tasks yet"
          : table(
              ["STATUS", "TASKS"],
              statuses.map(([status, n]) => [status, String(n)]),
            ),
        "",
        table(
          ["LANE", "WAITING", "IN FLIGHT", "DELAYED", "DLQ"],
          stats.lanes.map((lane) => [
            lane.lane,
            String(lane.visible),
            String(lane.inFlight),
            String(lane.delayed),
            String(lane.deadLetters),
          ]),
        ),
      ].join("\n"),
    );
    return exitCodes.ok;
  },
};
var scheduleCommands = {
  async ls(args, client, io) {
    const { values } = parse(args, {}, []);
    const schedules = await client().schedules.list();
    if (values.json) printJson(io, schedules);
    else
      print2(
        io,
        schedules.length === 0
          ? "no schedules"
          : table(
              ["NAME", "EXPRESSION", "TIMEZONE", "TASK", "ENABLED", "NEXT"],
              schedules.map((schedule) => [
                schedule.name,
                schedule.expression,
                schedule.timezone,
                schedule.task.type,
                schedule.enabled ? "yes" : "no",
                age(schedule.nextFireTimes[0]),
              ]),
            ),
      );
    return exitCodes.ok;
  },
  async create(args, client, io) {
    const { values, positionals } = parse(
      args,
      {
        expression: { type: "string", short: "e" },
        type: { type: "string", short: "t" },
        input: { type: "string", short: "i" },
        priority: { type: "string", short: "p" },
        timezone: { type: "string" },
        description: { type: "string" },
        disabled: { type: "boolean" },
      },
      ["NAME"],
    );
    if (!values.expression) throw new UsageError("schedules create: --expression is required");
    if (!values.type) throw new UsageError("schedules create: --type is required");
    const input = readInput(values.input);
    const definition = {
      name: positionals[0],
      expression: values.expression,
      task: {
        type: values.type,
        ...(input === void 0 ? {} : { input }),
        ...(values.priority ? { priority: values.priority } : {}),
      },
      ...(values.timezone ? { timezone: values.timezone } : {}),
      ...(values.description ? { description: values.description } : {}),
      ...(values.disabled ? { enabled: false } : {}),
    };
    const schedule = await client().schedules.create(definition);
    if (values.json) printJson(io, schedule);
    else print2(io, `${schedule.name} created; next: ${schedule.nextFireTimes[0] ?? "never"}`);
    return exitCodes.ok;
  },
  async rm(args, client, io) {
    const { values, positionals } = parse(args, {}, ["NAME"]);
    await client().schedules.delete(positionals[0]);
    if (values.json) printJson(io, { deleted: positionals[0] });
    else print2(io, `${positionals[0]} deleted`);
    return exitCodes.ok;
  },
  async enable(args, client, io) {
    const { values, positionals } = parse(args, {}, ["NAME"]);
    const schedule = await client().schedules.enable(positionals[0]);
    if (values.json) printJson(io, schedule);
    else print2(io, `${schedule.name} enabled; next: ${schedule.nextFireTimes[0] ?? "never"}`);
    return exitCodes.ok;
  },
  async disable(args, client, io) {
    const { values, positionals } = parse(args, {}, ["NAME"]);
    const schedule = await client().schedules.disable(positionals[0]);
    if (values.json) printJson(io, schedule);
    else print2(io, `${schedule.name} disabled`);
    return exitCodes.ok;
  },
};
var workerCommands = {
  async ls(args, client, io) {
    const { values } = parse(args, {}, []);
    const workers = await client().workers.list();
    if (values.json) printJson(io, workers);
    else
      print2(
        io,
        table(
          ["LANE", "ENABLED", "CONCURRENCY", "BACKLOG", "IN FLIGHT", "DLQ", "LAST ACTIVITY"],
          workers.map((worker) => [
            worker.lane,
            worker.enabled ? "yes" : "paused",
            String(worker.maxConcurrency ?? "-"),
            String(worker.backlog),
            String(worker.inFlight),
            String(worker.dlqDepth),
            age(worker.lastActivityAt ?? void 0),
          ]),
        ),
      );
    return exitCodes.ok;
  },
  async pause(args, client, io) {
    const { values, positionals } = parse(args, {}, ["LANE"]);
    const worker = await client().workers.pause(positionals[0]);
    if (values.json) printJson(io, worker);
    else print2(io, `${worker.lane} paused`);
    return exitCodes.ok;
  },
  async resume(args, client, io) {
    const { values, positionals } = parse(args, {}, ["LANE"]);
    const worker = await client().workers.resume(positionals[0]);
    if (values.json) printJson(io, worker);
    else print2(io, `${worker.lane} resumed`);
    return exitCodes.ok;
  },
  async set(args, client, io) {
    const { values, positionals } = parse(args, { concurrency: { type: "string", short: "c" } }, ["LANE"]);
    const concurrency = integerOption(values.concurrency, "concurrency", 1);
    if (concurrency === void 0) throw new UsageError("workers set: --concurrency is required");
    const worker = await client().workers.setConcurrency(positionals[0], concurrency);
    if (values.json) printJson(io, worker);
    else print2(io, `${worker.lane} max concurrency ${worker.maxConcurrency}`);
    return exitCodes.ok;
  },
};
function subcommand(group, commands2) {
  return (args, client, io) => {
    const [name, ...rest] = args;
    const command = name === void 0 ? void 0 : commands2[name];
    if (!command) {
      throw new UsageError(
        `${group}: ${name === void 0 ? "missing" : `unknown subcommand ${name};`} expected one of ${Object.keys(commands2).join(", ")}`,
      );
    }
    return command(rest, client, io);
  };
}
var commands = {
  ...taskCommands,
  schedules: subcommand("schedules", scheduleCommands),
  workers: subcommand("workers", workerCommands),
  logs: (args, _client, io) => runLogs(args, io),
  doctor: runDoctor,
};
function reportError(error, json, io) {
  if (error instanceof UsageError) {
    io.stderr.write(`claw-tasks: ${error.message}
(claw-tasks --help shows the commands)
`);
    return exitCodes.usage;
  }
  if (error instanceof ClawTasksApiError) {
    if (json) {
      io.stderr.write(
        `${JSON.stringify({ error: { status: error.status, code: error.code, message: error.message, details: error.details } })}
`,
      );
    } else {
      const issues = error.issues
        .map(
          (issue) => `
  ${issue.path || "(body)"}: ${issue.message}`,
        )
        .join("");
      io.stderr.write(
        `claw-tasks: ${error.code} (${error.status}): ${issues ? "bad request" : error.message}${issues}
`,
      );
    }
    return exitCodes.apiError;
  }
  if (error instanceof ClawTasksError) {
    io.stderr.write(`claw-tasks: ${error.message}
`);
    return exitCodes.apiError;
  }
  throw error;
}
async function runCli(argv, io) {
  const [name, ...args] = argv;
  const json = args.includes("--json");
  if (name === void 0 || name === "help" || name === "--help" || name === "-h") {
    if (name === void 0) {
      io.stderr.write(usage);
      return exitCodes.usage;
    }
    io.stdout.write(usage);
    return exitCodes.ok;
  }
  if (args.includes("--help") || args.includes("-h")) {
    io.stdout.write(usage);
    return exitCodes.ok;
  }
  try {
    const command = commands[name];
    if (!command) throw new UsageError(`unknown command ${name}`);
    let client;
    return await command(
      [...args],
      () => {
        client ??= new ClawTasksClient(loadConfig(io.env));
        return client;
      },
      io,
    );
  } catch (error) {
    return reportError(error, json, io);
  }
}
if (import.meta.main) {
  process.on("SIGINT", () => {
    if (process.stderr.isTTY) process.stderr.write("\n");
    process.exit(130);
  });
  process.exitCode = await runCli(process.argv.slice(2), process);
}

export { exitCodes, runCli };
//# sourceMappingURL=cli.js.map
