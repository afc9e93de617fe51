// The home page carousel: arrows, dots and a gentle rotation that pauses while a visitor
// points at or focuses it (and never runs for those who ask for reduced motion).
(function () {
  "use strict";
  var ROTATE_EVERY_MS = 6000;

  function setUp(carousel) {
    var track = carousel.querySelector(".carousel-track");
    var slides = track ? Array.prototype.slice.call(track.querySelectorAll(".slide")) : [];
    var dots = Array.prototype.slice.call(carousel.querySelectorAll(".carousel-dot"));
    if (slides.length < 2) {
      return;
    }
    var current = 0;
    var timer = null;
    var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

    function show(index) {
      current = (index + slides.length) % slides.length;
      track.scrollTo({ left: slides[current].offsetLeft - track.offsetLeft, behavior: still ? "auto" : "smooth" });
      slides.forEach(function (slide, i) {
        slide.setAttribute("aria-hidden", i === current ? "false" : "true");
      });
      dots.forEach(function (dot, i) {
        dot.setAttribute("aria-current", i === current ? "true" : "false");
      });
      carousel.setAttribute("data-current", String(current));
    }
    function stop() {
      if (timer) {
        window.clearInterval(timer);
        timer = null;
      }
    }
    function start() {
      stop();
      if (!still) {
        timer = window.setInterval(function () { show(current + 1); }, ROTATE_EVERY_MS);
      }
    }

    carousel.querySelector(".carousel-prev").addEventListener("click", function () { show(current - 1); start(); });
    carousel.querySelector(".carousel-next").addEventListener("click", function () { show(current + 1); start(); });
    dots.forEach(function (dot, i) {
      dot.addEventListener("click", function () { show(i); start(); });
    });
    // A visitor who swipes or scrolls the track moves the dots with it.
    track.addEventListener("scroll", function () {
      var width = track.clientWidth || 1;
      var index = Math.round(track.scrollLeft / width);
      if (index !== current && index >= 0 && index < slides.length) {
        current = index;
        dots.forEach(function (dot, i) { dot.setAttribute("aria-current", i === current ? "true" : "false"); });
        carousel.setAttribute("data-current", String(current));
      }
    }, { passive: true });
    carousel.addEventListener("mouseenter", stop);
    carousel.addEventListener("mouseleave", start);
    carousel.addEventListener("focusin", stop);
    carousel.addEventListener("focusout", start);
    carousel.classList.add("is-live");
    show(0);
    start();
  }

  function setUpAll() {
    Array.prototype.forEach.call(document.querySelectorAll(".carousel"), setUp);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpAll);
  } else {
    setUpAll();
  }
})();
