/* Maps for every page (resident pages and the leaders' dashboard), on the vendored Leaflet.
 *
 *   var map = gridappMap.create(element);          // tiles from element.dataset.tiles (JSON, or "null")
 *   map.addAreas(featureCollection, {onClick: fn}); // region outlines; without tiles they are the base map
 *                                                   // (and named on it, unless {labels: false})
 *   map.addMarker(lat, lng, {label: "…", colour: "#b42318", onClick: fn});
 *   map.pick(lat, lng, function (spot) { ... });  // a draggable pin: spot = {lat, lng, coord_system}
 *   map.fit();                                      // zoom to everything drawn
 *
 * Positions given to the map are WGS-84, as stored. Tiles in GCJ-02 (AMap, Tencent) are drawn shifted,
 * so positions are shifted onto them with the published formula (the server's one home for converting
 * positions is gridapp/services/regions/coordinates.py); a picked spot is handed back in the tiles'
 * system with its name, and the server converts it to WGS-84.
 */
(function () {
  "use strict";

  var A = 6378245.0;
  var EE = 0.00669342162296594323;

  function outsideChina(lng, lat) {
    return !(lng >= 72.004 && lng <= 137.8347 && lat >= 0.8293 && lat <= 55.8271);
  }

  function shiftLat(x, y) {
    var r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
    r += (20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin(y / 3.0 * Math.PI)) * 2.0 / 3.0;
    r += (160.0 * Math.sin(y / 12.0 * Math.PI) + 320.0 * Math.sin(y * Math.PI / 30.0)) * 2.0 / 3.0;
    return r;
  }

  function shiftLng(x, y) {
    var r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
    r += (20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin(x / 3.0 * Math.PI)) * 2.0 / 3.0;
    r += (150.0 * Math.sin(x / 12.0 * Math.PI) + 300.0 * Math.sin(x / 30.0 * Math.PI)) * 2.0 / 3.0;
    return r;
  }

  function wgs84ToGcj02(lat, lng) {
    if (outsideChina(lng, lat)) return [lat, lng];
    var dLat = shiftLat(lng - 105.0, lat - 35.0);
    var dLng = shiftLng(lng - 105.0, lat - 35.0);
    var rad = lat / 180.0 * Math.PI;
    var magic = 1 - EE * Math.sin(rad) * Math.sin(rad);
    var sqrtMagic = Math.sqrt(magic);
    dLat = (dLat * 180.0) / ((A * (1 - EE)) / (magic * sqrtMagic) * Math.PI);
    dLng = (dLng * 180.0) / (A / sqrtMagic * Math.cos(rad) * Math.PI);
    return [lat + dLat, lng + dLng];
  }

  var AREA_STYLES = {
    community: { color: "#1d4ed8", weight: 3, fill: false },
    grid: { color: "#1d4ed8", weight: 1.5, fillColor: "#dbe7fb", fillOpacity: 0.55 }
  };

  function readTiles(element) {
    var raw = element.dataset.tiles;
    return raw ? JSON.parse(raw) : null;
  }

  function GridMap(element, options) {
    options = options || {};
    this.element = element;
    this.tiles = options.tiles !== undefined ? options.tiles : readTiles(element);
    this.system = this.tiles ? this.tiles.coords : "wgs84";
    this.leaflet = L.map(element, {
      zoomControl: false, attributionControl: true, zoomSnap: 0.25, maxZoom: 19, tap: false
    });
    L.control.zoom({ zoomInTitle: "放大", zoomOutTitle: "缩小" }).addTo(this.leaflet);
    this.leaflet.attributionControl.setPrefix("Leaflet");
    if (this.tiles) {
      L.tileLayer(this.tiles.url, {
        key: this.tiles.key, subdomains: this.tiles.subdomains || "abc", attribution: this.tiles.attribution || "",
        maxZoom: 18, alt: ""
      }).addTo(this.leaflet);
    } else {
      element.classList.add("map-no-tiles");
    }
    this.drawn = L.featureGroup().addTo(this.leaflet);
    this.leaflet.setView([0, 0], 2);
  }

  /* A WGS-84 position as drawn on these tiles. */
  GridMap.prototype.toMap = function (lat, lng) {
    return this.system === "gcj02" ? wgs84ToGcj02(lat, lng) : [lat, lng];
  };

  GridMap.prototype.addAreas = function (collection, options) {
    options = options || {};
    var self = this;
    var labels = [];
    var layer = L.geoJSON(collection, {
      coordsToLatLng: function (c) { var p = self.toMap(c[1], c[0]); return L.latLng(p[0], p[1]); },
      style: function (feature) {
        var level = feature.properties && feature.properties.level;
        return options.style ? options.style(feature) : (AREA_STYLES[level] || AREA_STYLES.grid);
      },
      onEachFeature: function (feature, shape) {
        var name = feature.properties && feature.properties.name;
        if (name && feature.properties.level !== "community" && options.labels !== false) {
          if (self.tiles) {
            shape.bindTooltip(name, { className: "map-area-label" });
          } else {
            /* Without tiles the names are the map's labels: at the top of each area, clear of the pins inside. */
            var bounds = shape.getBounds();
            labels.push(L.tooltip({ permanent: true, direction: "bottom", className: "map-area-label", interactive: false })
              .setLatLng([bounds.getNorth(), bounds.getCenter().lng]).setContent(name));
          }
        }
        if (options.onClick) shape.on("click", function () { options.onClick(feature); });
      }
    });
    layer.addTo(this.drawn);
    labels.forEach(function (label) { label.addTo(self.leaflet); });
    this.labels = (this.labels || []).concat(labels);
    return layer;
  };

  GridMap.prototype.addMarker = function (lat, lng, options) {
    options = options || {};
    var marker = L.circleMarker(this.toMap(lat, lng), {
      radius: options.radius || 9, color: "#fff", weight: 2, fillColor: options.colour || "#b42318", fillOpacity: 1
    });
    if (options.label) marker.bindTooltip(options.label);
    if (options.onClick) marker.on("click", options.onClick);
    marker.addTo(this.drawn);
    return marker;
  };

  /* A draggable pin at a WGS-84 position (or the map's centre); onChange gets the spot in the tiles' system. */
  GridMap.prototype.pick = function (lat, lng, onChange) {
    var self = this;
    var at = lat === null || lat === undefined ? this.leaflet.getCenter() : L.latLng(this.toMap(lat, lng));
    if (this.pin) this.pin.remove();
    this.pin = L.marker(at, { draggable: true, autoPan: true, title: "拖动图钉到问题所在位置", alt: "问题位置图钉", keyboard: true });
    this.pin.addTo(this.leaflet);
    function report() {
      var p = self.pin.getLatLng();
      onChange({ lat: p.lat, lng: p.lng, coord_system: self.system });
    }
    this.pin.on("dragend", report);
    this.leaflet.on("click", function (event) { self.pin.setLatLng(event.latlng); report(); });
    report();
    return this.pin;
  };

  GridMap.prototype.fit = function (maxZoom) {
    var bounds = this.drawn.getBounds();
    if (this.pin) bounds = bounds.isValid() ? bounds.extend(this.pin.getLatLng()) : L.latLngBounds([this.pin.getLatLng()]);
    if (bounds.isValid()) this.leaflet.fitBounds(bounds, { padding: [16, 16], maxZoom: maxZoom || 17, animate: false });
  };

  GridMap.prototype.clear = function () {
    this.drawn.clearLayers();
    (this.labels || []).forEach(function (label) { label.remove(); });
    this.labels = [];
  };

  window.gridappMap = {
    create: function (element, options) { return new GridMap(element, options); },
    wgs84ToGcj02: wgs84ToGcj02
  };
})();
