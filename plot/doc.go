// Package plot draws the pictures of a deep-learning tutorial — loss
// curves, predicted against actual values, a fitted curve over its
// training points, the learning-rate finder's curve and a grid of images
// with their predicted labels — and writes each to an image file in one
// call, as a few lines of matplotlib would.
//
// It takes plain Go data (slices of float64, images as []float32) and
// knows nothing of tensors, models or training loops, so anything can
// plot with it:
//
//	err := plot.Losses("loss.png", trainLoss, valLoss) // []float64 per epoch
//
// Charts are drawn with gonum.org/v1/plot in matplotlib's "tab10" colours
// and a sans-serif font, with a light grid and a framed legend placed in
// the emptiest corner.
//
// # Charts
//
//   - [Lines]: any number of [Series] as lines with a legend; metric
//     curves, or train and validation loss per epoch.
//   - [Losses]: "Loss" against "Epoch" for train and, optionally,
//     validation loss.
//   - [Scatter]: any number of [Series] as markers.
//   - [PredictedVsActual]: a regression model's predictions against the
//     true values with the reference line y = x.
//   - [ActualAndPredicted]: true values and predictions against the sample
//     number, as two lines.
//   - [Curve]: a fitted curve as a line and its training points as
//     markers.
//   - [LRFinder]: loss against learning rate on a log axis with the
//     suggested rate marked.
//   - [ImageGrid]: grayscale images in a grid with a caption under each.
//
// # Formats and size
//
// The file extension chooses the format, in any case: .png, .svg or .pdf;
// any other extension is an error. Charts are 640×480 pixels as PNG (96
// dots per inch) and 480×360 points as SVG or PDF. An image grid's size
// follows from its images and captions.
//
// # Data
//
// A [Series] with a nil X is drawn at 1, 2, …, len(Y). Points with a NaN
// or infinite coordinate are skipped, so a loss that diverged late still
// draws up to where it diverged; a series with no finite point at all is
// an error.
//
// # Errors and files
//
// No function panics on bad input: an empty series, slices of different
// lengths, an unknown extension, an unwritable path or a failure inside
// the drawing library are all returned as errors that name the file. The
// image is drawn in memory, written to a temporary file in the same
// directory, synced and renamed over path, so a failed call never leaves
// a half-written image and never destroys a good file already at path.
package plot
