/* borderwatch map controls: boxes, full screen, measure, colour switch, team focus, arrows.
   No dependency but Leaflet. Names from data reach the DOM only through textContent,
   or as HTML that Python escaped. */
(function () {
  "use strict";
  var BW = (window.borderwatch = window.borderwatch || {});

  function stop(e) { L.DomEvent.preventDefault(e); L.DomEvent.stopPropagation(e); }

  function box(map, position, cls, html) {
    var c = L.control({ position: position });
    c.onAdd = function () {
      var d = L.DomUtil.create("div", "bw-box " + cls);
      d.innerHTML = html;
      L.DomEvent.disableClickPropagation(d);
      L.DomEvent.disableScrollPropagation(d);
      return d;
    };
    c.addTo(map);
    return c.getContainer();
  }

  var ICONS = {
    fullscreen: '<svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true"><path d="M1 6V1h5M10 1h5v5M15 10v5h-5M6 15H1v-5" fill="none" stroke="#222" stroke-width="2"/></svg>',
    measure: '<svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true"><path d="M1 11 11 1l4 4L5 15z" fill="none" stroke="#222" stroke-width="1.5"/><path d="M4 8l2 2M6 6l1.5 1.5M8 4l2 2" stroke="#222" stroke-width="1.2"/></svg>'
  };

  function button(map, cls, icon, title, onclick) {
    var c = L.control({ position: "topleft" });
    var a;
    c.onAdd = function () {
      var bar = L.DomUtil.create("div", "leaflet-bar " + cls);
      a = L.DomUtil.create("a", "", bar);
      a.href = "#";
      a.title = title;
      a.setAttribute("role", "button");
      a.setAttribute("aria-label", title);
      a.innerHTML = ICONS[icon];
      a.style.display = "flex";
      a.style.alignItems = "center";
      a.style.justifyContent = "center";
      L.DomEvent.on(a, "click", function (e) { stop(e); onclick(a); });
      L.DomEvent.disableClickPropagation(bar);
      return bar;
    };
    c.addTo(map);
    return a;
  }

  function fullscreen(map, title) {
    var el = map.getContainer();
    function on() { return document.fullscreenElement === el || L.DomUtil.hasClass(el, "bw-pseudo-full"); }
    function pseudo() { L.DomUtil.addClass(el, "bw-pseudo-full"); map.invalidateSize(); }
    button(map, "bw-fullscreen", "fullscreen", title, function () {
      if (on()) {
        if (document.fullscreenElement && document.exitFullscreen) { document.exitFullscreen(); }
        L.DomUtil.removeClass(el, "bw-pseudo-full");
      } else if (el.requestFullscreen) {
        el.requestFullscreen().catch(pseudo);
      } else {
        pseudo();
      }
      setTimeout(function () { map.invalidateSize(); }, 250);
    });
    document.addEventListener("fullscreenchange", function () { map.invalidateSize(); });
  }

  function measure(map, t) {
    var active = false, pts = [], group = null, line = null, a = null;
    function fmt(m) { return m >= 1000 ? (m / 1000).toFixed(2) + " " + t.km : Math.round(m) + " " + t.m; }
    function clear() {
      if (group) { map.removeLayer(group); }
      group = L.layerGroup().addTo(map);
      pts = [];
      line = L.polyline([], { color: "#111", weight: 2, dashArray: "6 4", interactive: false }).addTo(group);
    }
    function click(e) {
      pts.push(e.latlng);
      line.setLatLngs(pts);
      var s = 0;
      for (var i = 1; i < pts.length; i++) { s += map.distance(pts[i - 1], pts[i]); }
      L.circleMarker(e.latlng, { radius: 3, color: "#111", interactive: false }).addTo(group)
        .bindTooltip(fmt(s), { permanent: true, direction: "right", className: "bw-measure-label" });
    }
    function end() {
      active = false;
      map.off("click", click);
      map.off("dblclick", end);
      map.doubleClickZoom.enable();
      L.DomUtil.removeClass(map.getContainer(), "bw-measuring");
      if (a) { L.DomUtil.removeClass(a, "bw-active"); }
    }
    a = button(map, "bw-measure", "measure", t.measure + " \u2014 " + t.measure_hint, function () {
      if (active) { end(); return; }
      active = true;
      clear();
      map.doubleClickZoom.disable();
      L.DomUtil.addClass(map.getContainer(), "bw-measuring");
      L.DomUtil.addClass(a, "bw-active");
      map.on("click", click);
      map.on("dblclick", end);
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && group) { end(); map.removeLayer(group); group = null; }
    }, true);
  }

  function colourSwitch(map, legendEl, cfg) {
    var layer = window[cfg.layer];
    if (!layer || !legendEl) { return; }
    function apply(key) {
      var prop = cfg.props[key];
      layer.eachLayer(function (l) {
        if (l.feature && l.setStyle) { l.setStyle({ color: l.feature.properties[prop] }); }
      });
      var parts = legendEl.querySelectorAll("[data-bw-mode]");
      for (var i = 0; i < parts.length; i++) {
        parts[i].style.display = parts[i].getAttribute("data-bw-mode") === key ? "" : "none";
      }
    }
    var radios = legendEl.querySelectorAll("input[data-bw-colour]");
    for (var i = 0; i < radios.length; i++) {
      radios[i].addEventListener("change", function (e) { if (e.target.checked) { apply(e.target.value); } });
    }
    apply(cfg.initial);
  }

  function focus(map, legendEl, cfg) {
    var host = legendEl && legendEl.querySelector("[data-bw-focus]");
    if (!host) { return; }
    var sel = document.createElement("select");
    sel.setAttribute("aria-label", cfg.label);
    var all = document.createElement("option");
    all.value = "";
    all.textContent = cfg.all;
    sel.appendChild(all);
    cfg.teams.forEach(function (t) {
      var o = document.createElement("option");
      o.value = t.id;
      o.textContent = t.name;
      sel.appendChild(o);
    });
    host.appendChild(sel);
    function apply(id) {
      var chosen = null;
      cfg.teams.forEach(function (t) {
        var g = window[t.group], u = window[t.units];
        var keep = !id || t.id === id;
        if (g) { if (keep) { map.addLayer(g); } else { map.removeLayer(g); } }
        if (u) { if (id && t.id === id) { map.addLayer(u); } else { map.removeLayer(u); } }
        if (id && t.id === id) { chosen = g; }
      });
      (cfg.hide || []).forEach(function (n) {
        var l = window[n];
        if (l) { if (id) { map.removeLayer(l); } else { map.addLayer(l); } }
      });
      map.getContainer().setAttribute("data-bw-focus", id || "");
      if (chosen && chosen.getBounds && chosen.getBounds().isValid()) {
        map.fitBounds(chosen.getBounds(), { paddingTopLeft: [50, 30], paddingBottomRight: [280, 30] });
      }
    }
    sel.addEventListener("change", function () {
      apply(sel.value);
      try { history.replaceState(null, "", sel.value ? "#team=" + encodeURIComponent(sel.value) : "#"); } catch (e) { /* file:// may refuse */ }
    });
    var initial = cfg.initial || "";
    var m = /(?:^#|&)team=([^&]*)/.exec(location.hash || "");
    if (m) { initial = decodeURIComponent(m[1]); }
    if (initial && cfg.teams.some(function (t) { return t.id === initial; })) {
      sel.value = initial;
      apply(initial);
    }
    BW.focusTeam = function (id) { sel.value = id || ""; apply(id || ""); };
  }

  function arrows(list) {
    list.forEach(function (a) {
      var g = window[a.group];
      if (!g) { return; }
      a.points.forEach(function (p) {
        L.marker([p[0], p[1]], {
          icon: L.divIcon({
            className: "bw-arrow",
            html: '<div style="transform:rotate(' + Number(p[2]) + 'deg);color:' + a.colour + '">\u25B2</div>',
            iconSize: [14, 14]
          }),
          interactive: false,
          keyboard: false
        }).addTo(g);
      });
    });
  }

  // Leaflet's own controls speak English: their titles in the map's language, a metric scale
  function localise(map, t) {
    var c = map.getContainer();
    function retitle(sel, text) {
      Array.prototype.forEach.call(c.querySelectorAll(sel), function (el) {
        if (text) { el.setAttribute("title", text); el.setAttribute("aria-label", text); }
      });
    }
    retitle(".leaflet-control-zoom-in", t.zoom_in);
    retitle(".leaflet-control-zoom-out", t.zoom_out);
    retitle(".leaflet-control-layers-toggle", t.layers);
    retitle(".leaflet-control-attribution a[title]", t.leaflet);
  }

  // The legend (bottom right) ends where the boxes of the top right corner end: a tall title
  // box (targets not met along many stretches) would otherwise lie under it.
  function fitLegend(map, legend) {
    var top = map.getContainer().querySelector(".leaflet-top.leaflet-right");
    if (!top) { return; }
    var cs = window.getComputedStyle(legend);
    var pad = parseFloat(cs.paddingTop) + parseFloat(cs.paddingBottom) +
      parseFloat(cs.borderTopWidth) + parseFloat(cs.borderBottomWidth);
    var room = legend.getBoundingClientRect().bottom - top.getBoundingClientRect().bottom - 10 - pad;
    legend.style.maxHeight = Math.max(room, 60) + "px";
  }

  BW.init = function (map, cfg) {
    if (cfg.nobase) { L.DomUtil.addClass(map.getContainer(), "bw-nobase"); }
    if (cfg.scale) { L.control.scale({ imperial: false }).addTo(map); }
    if (cfg.arrows) { arrows(cfg.arrows); }
    if (cfg.title) {
      var tb = box(map, "topright", "bw-title", cfg.title);
      tb.parentNode.insertBefore(tb, tb.parentNode.firstChild);
    }
    var legend = cfg.legend ? box(map, "bottomright", "bw-legend", cfg.legend) : null;
    if (cfg.fullscreen) { fullscreen(map, cfg.t.fullscreen); }
    if (cfg.measure) { measure(map, cfg.t); }
    if (cfg.colour) { colourSwitch(map, legend, cfg.colour); }
    if (cfg.focus) { focus(map, legend, cfg.focus); }
    if (cfg.t) { localise(map, cfg.t); }
    if (legend) {
      fitLegend(map, legend);
      map.on("resize", function () { fitLegend(map, legend); });
      setTimeout(function () { fitLegend(map, legend); }, 0);  // after folium's layer control
    }
    map.getContainer().setAttribute("data-bw-ready", "1");
  };
})();
