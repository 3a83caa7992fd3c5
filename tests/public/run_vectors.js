// node tests/public/run_vectors.js: print what verify.js computes for every vector, as JSON.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const LV = require("../../lottery/static/lottery/verify.js");
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, "draw_vectors.json"), "utf8"));
const run = eval(fs.readFileSync(path.join(__dirname, "vector_runner.js"), "utf8"));
run(LV, fixture).then(
  (out) => process.stdout.write(JSON.stringify(out)),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
