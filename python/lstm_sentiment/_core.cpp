// lstm_sentiment._core: the Python binding of the public C++ API (include/sentiment), over the
// shared library libsentiment.so. A thin layer: texts and paths in, NumPy arrays and plain
// Python objects out; the GIL is released while the library computes and taken again only
// to call back into Python (training progress and log lines).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sentiment/sentiment.h"

namespace py = pybind11;

namespace {

// The texts of a call as UTF-8, copied out of their str objects so that the library can read
// them with the GIL released. Only str is accepted: bytes would need a guessed encoding, and
// a bare str would otherwise be taken as a sequence of one-character texts.
struct Texts {
  std::vector<std::string> owned;
  std::vector<std::string_view> views;
};

Texts texts_of(const py::handle& texts) {
  if (PyUnicode_Check(texts.ptr()))
    throw py::type_error(
        "texts: expected a list (or other iterable) of str, got one str; "
        "wrap a single text in a list");
  if (PyBytes_Check(texts.ptr()) || PyByteArray_Check(texts.ptr()))
    throw py::type_error("texts: expected a list (or other iterable) of str, got " +
                         std::string(Py_TYPE(texts.ptr())->tp_name));
  if (!py::isinstance<py::iterable>(texts))
    throw py::type_error("texts: expected a list (or other iterable) of str, got " +
                         std::string(Py_TYPE(texts.ptr())->tp_name));
  Texts out;
  for (const py::handle item : py::reinterpret_borrow<py::iterable>(texts)) {
    if (!PyUnicode_Check(item.ptr()))
      throw py::type_error("texts[" + std::to_string(out.owned.size()) + "]: expected str, got " +
                           std::string(Py_TYPE(item.ptr())->tp_name) +
                           (PyBytes_Check(item.ptr()) ? " (decode bytes to str first)" : ""));
    Py_ssize_t size = 0;
    const char* utf8 = PyUnicode_AsUTF8AndSize(item.ptr(), &size);
    if (utf8 == nullptr) throw py::error_already_set();  // lone surrogates: UnicodeEncodeError
    out.owned.emplace_back(utf8, static_cast<size_t>(size));
  }
  out.views.assign(out.owned.begin(), out.owned.end());
  return out;
}

std::string one_text(const py::handle& text) {
  if (!PyUnicode_Check(text.ptr()))
    throw py::type_error("text: expected str, got " + std::string(Py_TYPE(text.ptr())->tp_name));
  Py_ssize_t size = 0;
  const char* utf8 = PyUnicode_AsUTF8AndSize(text.ptr(), &size);
  if (utf8 == nullptr) throw py::error_already_set();
  return std::string(utf8, static_cast<size_t>(size));
}

// A file name as the operating system's bytes (os.fsencode): str, bytes or os.PathLike.
std::string path_of(const py::handle& path) {
  const py::bytes encoded = py::module_::import("os").attr("fsencode")(path);
  return std::string(encoded);
}

py::array_t<float> to_array(const std::vector<float>& values, size_t rows, size_t cols) {
  py::array_t<float> out({static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(cols)});
  if (!values.empty())
    std::memcpy(out.mutable_data(), values.data(), values.size() * sizeof(float));
  return out;
}

std::vector<sentiment::Prediction> predict(const sentiment::Model& model, const Texts& texts) {
  py::gil_scoped_release release;
  return model.predict(texts.views.data(), texts.views.size());
}

// What stops a training run when a Python callback raised: the library sees a plain C++
// exception, and the Python one (kept in `raised`) is rethrown once the GIL is held again.
struct CallbackRaised : std::exception {
  const char* what() const noexcept override { return "a Python callback raised"; }
};

// Runs fn with the GIL held; a Python exception from it (including KeyboardInterrupt from
// the signal check) is kept in raised and the run is stopped.
template <typename Fn>
void call_python(std::exception_ptr& raised, Fn fn) {
  py::gil_scoped_acquire gil;
  try {
    fn();
  } catch (...) {
    raised = std::current_exception();
    throw CallbackRaised();
  }
}

// What train() returns: the model, Keras-style history and the test figures.
struct TrainResult {
  py::object model;
  py::dict history;
  py::object test_loss;
  py::object test_accuracy;
  py::object out;
};

py::list list_of(const std::vector<double>& values) {
  py::list out;
  for (const double v : values) out.append(v);
  return out;
}

TrainResult train(const py::object& config, const py::object& data, const py::object& test_data,
                  const py::object& imdb, const py::object& out, size_t threads,
                  const py::object& progress, const py::object& log, bool overwrite, bool plot,
                  bool download) {
  sentiment::TrainOptions options;
  if (py::isinstance<py::dict>(config))
    options.config = py::module_::import("json").attr("dumps")(config).cast<std::string>();
  else if (!config.is_none())
    options.config_file = path_of(config);
  if (!data.is_none()) options.train_data = path_of(data);
  if (!test_data.is_none()) options.test_data = path_of(test_data);
  if (!imdb.is_none()) options.imdb = path_of(imdb);
  if (!out.is_none()) options.out = path_of(out);
  options.threads = threads;
  options.overwrite = overwrite;
  options.plot = plot;
  options.download = download;

  std::exception_ptr raised;
  // Always hooked, so that Ctrl+C (a pending KeyboardInterrupt) stops the run between batches.
  options.progress = [&](const sentiment::TrainProgress& p) {
    call_python(raised, [&] {
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();
      if (!progress.is_none()) progress(p);
    });
  };
  if (!log.is_none())
    options.log = [&](const std::string& line) { call_python(raised, [&] { log(line); }); };

  std::optional<sentiment::TrainResult> run;
  try {
    py::gil_scoped_release release;
    run.emplace(sentiment::train(options));
  } catch (const CallbackRaised&) {
    std::rethrow_exception(raised);
  }
  sentiment::TrainResult& trained = *run;
  TrainResult result;
  result.history["loss"] = list_of(trained.loss);
  result.history["accuracy"] = list_of(trained.accuracy);
  // As Keras: the validation keys only when there was a validation split.
  if (!trained.val_loss.empty()) {
    result.history["val_loss"] = list_of(trained.val_loss);
    result.history["val_accuracy"] = list_of(trained.val_accuracy);
  }
  result.test_loss = trained.has_test ? py::object(py::float_(trained.test_loss)) : py::none();
  result.test_accuracy =
      trained.has_test ? py::object(py::float_(trained.test_accuracy)) : py::none();
  result.out = trained.out.empty() ? py::none() : py::object(py::str(trained.out));
  result.model = py::cast(std::move(trained.model));
  return result;
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "lstm-sentiment: recurrent text classifiers (the C++ library's Python binding)";
  m.attr("__version__") = sentiment::version();

  // Every failure the library reports (missing or corrupt files, bad configurations, bad
  // text) as one exception class; a RuntimeError, carrying the library's message.
  py::register_exception<sentiment::Error>(m, "Error", PyExc_RuntimeError);

  // One word of an explanation: a named tuple, so both e.words[0].word and
  // `for word, contribution, known, truncated in e.words` read it.
  const py::object word_type = py::module_::import("collections")
                                   .attr("namedtuple")("Word", "word contribution known truncated",
                                                       py::arg("module") = "lstm_sentiment");
  m.attr("Word") = word_type;

  py::class_<sentiment::Explanation>(m, "Explanation",
                                     "Each word's contribution to one prediction (occlusion).")
      .def_readonly("label", &sentiment::Explanation::label, "the label predict gives the text")
      .def_readonly("probability", &sentiment::Explanation::probability,
                    "P(labels[1]) for binary models, else the predicted class's probability")
      .def_readonly("labels", &sentiment::Explanation::labels,
                    "the first two labels of the model, for legends")
      .def_property_readonly(
          "words",
          [word_type](const sentiment::Explanation& e) {
            py::list out;
            for (const sentiment::WordContribution& w : e.words)
              out.append(word_type(w.word, w.contribution, w.known, w.truncated));
            return out;
          },
          "every word of the text, in order: Word(word, contribution, known, truncated)")
      .def("json", &sentiment::to_json, "the explanation as JSON text, as `sentiment explain`")
      .def("html", &sentiment::to_html, py::arg("title") = "",
           "a standalone HTML page (inline CSS, no scripts, the text escaped)")
      .def("_repr_html_", [](const sentiment::Explanation& e) { return sentiment::to_html(e); })
      .def("__repr__", [](const sentiment::Explanation& e) {
        return "<lstm_sentiment.Explanation label=" +
               py::repr(py::str(e.label)).cast<std::string>() +
               " probability=" + py::repr(py::float_(e.probability)).cast<std::string>() +
               " words=" + std::to_string(e.words.size()) + ">";
      });

  py::class_<sentiment::Model>(m, "Model", "A trained classifier loaded from a model file.")
      .def_static(
          "load",
          [](const py::object& path, size_t threads) {
            const std::string name = path_of(path);
            py::gil_scoped_release release;
            return sentiment::Model::load(name, sentiment::LoadOptions{threads});
          },
          py::arg("path"), py::arg("threads") = 0,
          "Reads a model file; threads: for predict and explain (0: one per core).")
      .def(
          "save",
          [](const sentiment::Model& model, const py::object& path) {
            const std::string name = path_of(path);
            py::gil_scoped_release release;
            model.save(name);
          },
          py::arg("path"), "Writes the model file (to a temporary name, then renamed).")
      .def(
          "predict",
          [](const sentiment::Model& model, const py::handle& texts) {
            const Texts t = texts_of(texts);
            std::vector<float> probs;
            {
              py::gil_scoped_release release;
              if (!t.views.empty()) probs = model.predict_proba(t.views.data(), t.views.size());
            }
            return to_array(probs, t.views.size(), model.num_classes());
          },
          py::arg("texts"),
          "Class probabilities of each text: a float32 array of shape (len(texts), "
          "num_classes), columns in the order of labels.")
      .def(
          "predict_labels",
          [](const sentiment::Model& model, const py::handle& texts) {
            std::vector<std::string> out;
            for (sentiment::Prediction& p : predict(model, texts_of(texts)))
              out.push_back(std::move(p.label));
            return out;
          },
          py::arg("texts"),
          "The most probable label of each text (binary models: labels[1] above 0.5).")
      .def(
          "predict_classes",
          [](const sentiment::Model& model, const py::handle& texts) {
            const std::vector<sentiment::Prediction> p = predict(model, texts_of(texts));
            py::array_t<int64_t> out(static_cast<py::ssize_t>(p.size()));
            for (size_t k = 0; k < p.size(); ++k)
              out.mutable_at(static_cast<py::ssize_t>(k)) = static_cast<int64_t>(p[k].index);
            return out;
          },
          py::arg("texts"), "The index into labels of each text's predicted class (int64).")
      .def(
          "explain",
          [](const sentiment::Model& model, const py::handle& text) {
            const std::string t = one_text(text);
            py::gil_scoped_release release;
            return model.explain(t);
          },
          py::arg("text"), "Each word's contribution to the prediction of one text.")
      .def_property_readonly("labels", &sentiment::Model::labels, "class names, in class order")
      .def_property_readonly("num_classes", &sentiment::Model::num_classes)
      .def_property_readonly("max_length", &sentiment::Model::max_length,
                             "tokens per text the model reads (maxlen)")
      .def_property_readonly("vocabulary_size", &sentiment::Model::vocabulary_size,
                             "Keras's num_words: word indices are below it")
      .def_property_readonly("architecture", &sentiment::Model::architecture)
      .def_property_readonly(
          "metadata",
          [](const sentiment::Model& model) {
            return py::module_::import("json").attr("loads")(model.metadata_json());
          },
          "what the file records about its training: {'training': ..., 'metrics': ...}")
      .def("__repr__", [](const sentiment::Model& model) {
        return "<lstm_sentiment.Model " + model.architecture() +
               " labels=" + py::repr(py::cast(model.labels())).cast<std::string>() + ">";
      });

  py::class_<sentiment::TrainProgress>(m, "Progress",
                                       "A training report: after every batch and every epoch.")
      .def_readonly("epoch_end", &sentiment::TrainProgress::epoch_end)
      .def_readonly("epoch", &sentiment::TrainProgress::epoch, "1-based")
      .def_readonly("epochs", &sentiment::TrainProgress::epochs)
      .def_readonly("step", &sentiment::TrainProgress::step, "1-based, within the epoch")
      .def_readonly("steps", &sentiment::TrainProgress::steps, "batches per epoch")
      .def_readonly("loss", &sentiment::TrainProgress::loss, "running mean over the epoch")
      .def_readonly("accuracy", &sentiment::TrainProgress::accuracy)
      .def_readonly("has_validation", &sentiment::TrainProgress::has_validation)
      .def_readonly("val_loss", &sentiment::TrainProgress::val_loss)
      .def_readonly("val_accuracy", &sentiment::TrainProgress::val_accuracy)
      .def_readonly("seconds", &sentiment::TrainProgress::seconds, "epoch_end: the epoch's time")
      .def("__repr__", [](const sentiment::TrainProgress& p) {
        char buf[160];
        std::snprintf(
            buf, sizeof buf, "<lstm_sentiment.Progress %s %zu/%zu step %zu/%zu loss=%.4f>",
            p.epoch_end ? "end of epoch" : "epoch", p.epoch, p.epochs, p.step, p.steps, p.loss);
        return std::string(buf);
      });

  py::class_<TrainResult>(m, "TrainResult", "What train() returns.")
      .def_readonly("model", &TrainResult::model, "the trained Model")
      .def_readonly("history", &TrainResult::history,
                    "per-epoch figures, as Keras's History.history: loss, accuracy "
                    "(val_loss, val_accuracy with a validation split)")
      .def_readonly("test_loss", &TrainResult::test_loss, "None without a test split")
      .def_readonly("test_accuracy", &TrainResult::test_accuracy, "None without a test split")
      .def_readonly("out", &TrainResult::out, "the run folder written, or None")
      .def("__repr__", [](const TrainResult& r) {
        return "<lstm_sentiment.TrainResult history=" + py::repr(r.history).cast<std::string>() +
               " test_accuracy=" + py::repr(r.test_accuracy).cast<std::string>() + ">";
      });

  m.def("train", &train, py::arg("config") = py::none(), py::arg("data") = py::none(),
        py::arg("test_data") = py::none(), py::arg("imdb") = py::none(),
        py::arg("out") = py::none(), py::arg("threads") = 0, py::arg("progress") = py::none(),
        py::arg("log") = py::none(), py::arg("overwrite") = false, py::arg("plot") = false,
        py::arg("download") = false,
        "Trains a model as `sentiment train` does. config: a dict in the layout of "
        "configs/*.json (only the keys given change the defaults), or the path of such a file; "
        "None: the IMDB recipe. data/test_data: a labelled corpus (folders per label, CSV, TSV "
        "or fastText format) and its optional test split; imdb: an aclImdb folder or archive. "
        "out: a run folder to write (None: nothing is written). progress(Progress) is called "
        "after every batch and epoch, log(str) with each line the CLI prints; an exception "
        "raised by either stops training and propagates.");

  // Shown as lstm_sentiment.Model (and so on), where __init__.py exports them.
  for (const char* name : {"Error", "Explanation", "Model", "Progress", "TrainResult"})
    m.attr(name).attr("__module__") = "lstm_sentiment";
}
