// Package digit turns a picture of a handwritten digit into the 28×28
// input an MNIST model expects, so that
//
//	nerve predict RUN_DIR IMAGE.png...
//
// can classify a digit drawn in any paint program or photographed on paper.
//
//	pix, err := digit.Load("seven.png") // 784 float32 in [0,1], row-major
//
// # Input
//
// Load and Decode accept PNG only: grayscale (8 or 16 bit), gray+alpha,
// RGB, RGBA and paletted. The file's signature is checked first, so a JPEG
// or text file renamed .png is refused with a one-line error rather than a
// decoder message. The header is read before the pixels: images smaller
// than 28×28 or larger than 8192×8192 in either dimension are refused
// without decoding them. Every error names the file and can be tested with
// errors.Is against ErrNotPNG, ErrTooSmall, ErrTooLarge and ErrBlank.
//
// # Preparation
//
// Prepare does what was done to make MNIST itself, in this order:
//
//   - Luminance: Y = 0.299R + 0.587G + 0.114B on the stored (sRGB) values,
//     as color.GrayModel does.
//   - Transparency: a transparent pixel is background. Which shade the
//     background is, is taken from the visible pixels: strokes on a
//     transparent canvas are composited over white when the strokes are
//     dark on average, over black when they are light, so both black ink
//     and white chalk on a transparent layer work. A partly transparent
//     pixel is blended between its colour and that background.
//   - Polarity: MNIST digits are white on black. If the mean of the
//     outer one-pixel frame is brighter than 0.5 the image is inverted.
//   - Levels: the frame's mean (the paper) is mapped to 0 and the brightest
//     pixel (the ink) to 1, so grey paper and pencil come out like MNIST.
//     An image with less contrast than MinContrast is blank.
//   - Crop: to the bounding box of the pixels above InkThreshold.
//   - Scale: preserving the aspect ratio so that the longer side is 20
//     pixels; area averaging (a box filter) when shrinking, so thin strokes
//     survive as grey rather than vanish, bilinear when enlarging.
//   - Centre: the 20-pixel box is placed in a black 28×28 frame, shifted by
//     whole pixels so that its centre of mass (in pixel indices) lands on
//     (14, 14), clamped to stay inside the frame.
//
// A 28×28 image that already looks like MNIST (white on black, about 20
// pixels tall, centred by mass) passes through unchanged.
//
// # Output
//
// Save writes pixels as an 8-bit grayscale PNG, atomically, so prepared
// digits can be looked at and fed back to Load.
package digit
