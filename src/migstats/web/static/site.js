/* migstats: charts and filters of the migration profile (classic script, no modules,
   so that the site works from file://). Data come from data/*.js files that set
   window.MIGSTATS_DATA. Each chart is kept in window.migstatsCharts[name] and its drawn
   labels and values in the canvas's data-state attribute (read by the browser tests). */
(function () {
  "use strict";

  var charts = (window.migstatsCharts = window.migstatsCharts || {});
  var DATA = window.MIGSTATS_DATA || {};
  var COLOURS = ["#1f5f8b", "#c8553d", "#3c8d2f", "#7a4fa0", "#b8860b", "#2f8f8f"];
  var MALE = "#1f5f8b";
  var FEMALE = "#c8553d";
  var numberFormat = new Intl.NumberFormat("en", { maximumFractionDigits: 1 });

  function byId(id) {
    return document.getElementById(id);
  }

  /* Category labels can be long (metadata labels of age bands): shortened on the axis,
     whole in tooltips and in the table. */
  function shortLabel(value) {
    var label = this.getLabelForValue(value);
    return typeof label === "string" && label.length > 28 ? label.slice(0, 27) + "\u2026" : label;
  }

  function fmt(value) {
    return value === null || value === undefined ? "" : numberFormat.format(value);
  }

  function draw(name, config) {
    var canvas = byId("chart-" + name);
    if (!canvas || typeof Chart === "undefined") {
      return null;
    }
    if (charts[name]) {
      charts[name].destroy();
    }
    config.options = Object.assign(
      { animation: false, responsive: true, maintainAspectRatio: false },
      config.options || {}
    );
    var chart = new Chart(canvas, config);
    charts[name] = chart;
    canvas.setAttribute(
      "data-state",
      JSON.stringify({
        labels: chart.data.labels,
        data: chart.data.datasets.map(function (d) {
          return d.data;
        }),
      })
    );
    return chart;
  }

  function fillTable(id, headers, rows) {
    var table = byId(id);
    if (!table) {
      return;
    }
    var caption = table.querySelector("caption");
    table.textContent = "";
    if (caption) {
      table.appendChild(caption);
    }
    var thead = document.createElement("thead");
    var tr = document.createElement("tr");
    headers.forEach(function (h) {
      var th = document.createElement("th");
      th.scope = "col";
      th.textContent = h;
      tr.appendChild(th);
    });
    thead.appendChild(tr);
    table.appendChild(thead);
    var tbody = document.createElement("tbody");
    rows.forEach(function (row) {
      var r = document.createElement("tr");
      row.forEach(function (cell, i) {
        var c = document.createElement(i === 0 ? "th" : "td");
        if (i === 0) {
          c.scope = "row";
        } else {
          c.className = "num";
        }
        c.textContent = cell;
        r.appendChild(c);
      });
      tbody.appendChild(r);
    });
    table.appendChild(tbody);
  }

  function countAxis(extra) {
    return Object.assign(
      {
        beginAtZero: true,
        ticks: {
          callback: function (v) {
            return numberFormat.format(Math.abs(v));
          },
        },
      },
      extra || {}
    );
  }

  /* ---------------------------------------------------------------- headline */

  function headline(data) {
    var stock = data.stock;
    if (stock) {
      var measure = byId("stock-measure");
      var ref = byId("stock-ref");
      var redraw = function () {
        var key = ref.value + "|" + measure.value;
        var label = measure.options[measure.selectedIndex].text;
        pyramid(stock, key, label);
        if (stock.citizenships[key]) {
          ranked("citizenships", stock.citizenships[key], label, true);
        }
        if (stock.atolls[key]) {
          ranked("atolls", stock.atolls[key], label, false);
        }
      };
      measure.addEventListener("change", redraw);
      ref.addEventListener("change", redraw);
      redraw();
    }
    if (data.flows) {
      flows(data.flows);
    }
  }

  function pyramid(stock, key, label) {
    var cells = stock.pyramid[key] || { male: [], female: [] };
    // oldest at the top: Chart.js draws the first label at the top of a horizontal bar
    var ages = stock.ages.slice().reverse();
    var male = cells.male.slice().reverse();
    var female = cells.female.slice().reverse();
    draw("pyramid", {
      type: "bar",
      data: {
        labels: ages,
        datasets: [
          {
            label: "Male",
            backgroundColor: MALE,
            data: male.map(function (v) {
              return v === null ? null : -v;
            }),
          },
          { label: "Female", backgroundColor: FEMALE, data: female },
        ],
      },
      options: {
        indexAxis: "y",
        scales: { x: countAxis({ stacked: true }), y: { stacked: true } },
        plugins: {
          title: { display: true, text: label },
          tooltip: {
            callbacks: {
              label: function (ctx) {
                return ctx.dataset.label + ": " + fmt(Math.abs(ctx.raw));
              },
            },
          },
        },
      },
    });
    fillTable(
      "data-pyramid",
      ["Age", "Male", "Female"],
      stock.ages.map(function (a, i) {
        return [a, cells.male_text[i], cells.female_text[i]];
      })
    );
  }

  function ranked(name, series, label, horizontal) {
    draw(name, {
      type: "bar",
      data: {
        labels: series.labels,
        datasets: [{ label: label, backgroundColor: COLOURS[0], data: series.values }],
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        scales: horizontal ? { x: countAxis() } : { y: countAxis() },
        plugins: { legend: { display: false } },
      },
    });
    fillTable(
      "data-" + name,
      [name === "atolls" ? "Atoll" : "Citizenship", label],
      series.labels.map(function (l, i) {
        return [l, series.texts[i]];
      })
    );
  }

  function flows(f) {
    draw("flows", {
      type: "line",
      data: {
        labels: f.periods,
        datasets: f.series.map(function (s, i) {
          return {
            label: s.label,
            data: s.values,
            borderColor: COLOURS[i % COLOURS.length],
            backgroundColor: COLOURS[i % COLOURS.length],
            pointRadius: 4,
            pointBackgroundColor: s.status.map(function (st) {
              return st === "P" || st === "E" ? "#ffffff" : COLOURS[i % COLOURS.length];
            }),
            spanGaps: false,
          };
        }),
      },
      options: { scales: { y: { ticks: { callback: fmt } } } },
    });
    fillTable(
      "data-flows",
      ["Year"].concat(
        f.series.map(function (s) {
          return s.label;
        })
      ),
      f.periods.map(function (p, j) {
        return [p].concat(
          f.series.map(function (s) {
            return s.texts[j];
          })
        );
      })
    );
  }

  /* ---------------------------------------------------------- indicator page */

  function indicator(p) {
    var dims = p.dimensions;
    var axisSelect = byId("axis");
    var selects = dims.map(function (d, i) {
      return byId("f-" + i);
    });
    readHash(dims, selects, axisSelect);

    function axisIndex() {
      var name = axisSelect ? axisSelect.value : p.axis;
      for (var i = 0; i < dims.length; i++) {
        if (dims[i].id === name) {
          return i;
        }
      }
      return 0;
    }

    function render() {
      var ai = axisIndex();
      var axis = dims[ai];
      var wanted = selects.map(function (s, i) {
        return i === ai ? -1 : dims[i].codes.indexOf(s.value);
      });
      selects.forEach(function (s, i) {
        s.parentNode.hidden = i === ai;
      });
      var n = dims.length;
      var matched = p.rows.filter(function (r) {
        for (var i = 0; i < n; i++) {
          if (i !== ai && r[i] !== wanted[i]) {
            return false;
          }
        }
        return true;
      });
      matched.sort(function (a, b) {
        return a[ai] - b[ai];
      });
      var plotted = matched.filter(function (r) {
        return axis.codes[r[ai]] !== "_T";
      });
      var kind = axis.id === "TIME_PERIOD" ? "line" : "bar";
      var title = selects
        .filter(function (s, i) {
          return i !== ai && dims[i].codes.length > 1 && s.value !== "_T";
        })
        .map(function (s) {
          return s.options[s.selectedIndex].text;
        })
        .join(", ");
      draw("table", {
        type: kind,
        data: {
          labels: plotted.map(function (r) {
            return axis.labels[r[ai]];
          }),
          datasets: [
            {
              label: p.unit,
              data: plotted.map(function (r) {
                return r[n];
              }),
              borderColor: COLOURS[0],
              backgroundColor: COLOURS[0],
              spanGaps: false,
            },
          ],
        },
        options: {
          plugins: { legend: { display: false }, title: { display: !!title, text: title } },
          scales: {
            x: { ticks: { callback: shortLabel } },
            y: { beginAtZero: kind === "bar", ticks: { callback: fmt } },
          },
        },
      });
      byId("chart-empty").hidden = plotted.length > 0;
      var headers = [axis.label, "Value", "Flag"];
      if (p.interval) {
        headers.push("Interval");
      }
      fillTable(
        "values",
        headers,
        matched.map(function (r) {
          var row = [axis.labels[r[ai]], r[n + 1], r[n + 2]];
          if (p.interval) {
            row.push(r[n + 3]);
          }
          return row;
        })
      );
      writeHash(dims, selects, axisSelect, ai, p.axis);
    }

    selects.forEach(function (s) {
      s.addEventListener("change", render);
    });
    if (axisSelect) {
      axisSelect.addEventListener("change", render);
    }
    render();
  }

  /* The selection lives in the address (#SEX=F&axis=AGE) so a view can be shared. */
  function readHash(dims, selects, axisSelect) {
    var hash = window.location.hash.replace(/^#/, "");
    if (!hash) {
      return;
    }
    hash.split("&").forEach(function (part) {
      var kv = part.split("=");
      var key = decodeURIComponent(kv[0] || "");
      var value = decodeURIComponent(kv[1] || "");
      if (key === "axis" && axisSelect) {
        setIfPresent(axisSelect, value);
        return;
      }
      dims.forEach(function (d, i) {
        if (d.id === key) {
          setIfPresent(selects[i], value);
        }
      });
    });
  }

  function setIfPresent(select, value) {
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].value === value) {
        select.value = value;
      }
    }
  }

  function writeHash(dims, selects, axisSelect, ai, defaultAxis) {
    var parts = [];
    if (axisSelect && axisSelect.value !== defaultAxis) {
      parts.push("axis=" + encodeURIComponent(axisSelect.value));
    }
    dims.forEach(function (d, i) {
      if (i !== ai && selects[i].value !== d.default) {
        parts.push(encodeURIComponent(d.id) + "=" + encodeURIComponent(selects[i].value));
      }
    });
    if (window.history && window.history.replaceState) {
      try {
        var hash = parts.length ? "#" + parts.join("&") : "";
        if (hash !== window.location.hash) {
          window.history.replaceState(null, "", hash || window.location.pathname + window.location.search);
        }
      } catch (e) {
        /* some browsers refuse replaceState on file:// pages */
      }
    }
  }

  function start() {
    var body = document.body;
    var page = body.getAttribute("data-page");
    if (page === "headline" && DATA.headline) {
      headline(DATA.headline);
    } else if (page === "table") {
      var payload = DATA["table:" + body.getAttribute("data-table")];
      if (payload) {
        indicator(payload);
      }
    }
    body.setAttribute("data-ready", "true");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
