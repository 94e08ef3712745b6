package digit_test

import (
	"fmt"
	"image"
	"image/color"
	"strings"

	"github.com/nervelab/nerve/data/digit"
)

// A black 1 drawn on a white 120×90 canvas becomes a white stroke 20
// pixels tall, centred by mass in 28×28.
func ExamplePrepare() {
	img := image.NewGray(image.Rect(0, 0, 120, 90))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for y := 10; y < 70; y++ {
		for x := 80; x < 92; x++ {
			img.SetGray(x, y, color.Gray{0})
		}
	}
	pix := digit.Prepare(img)
	for y := range digit.Size {
		var row strings.Builder
		for _, v := range pix[y*digit.Size : (y+1)*digit.Size] {
			row.WriteByte(" .+#"[min(3, int(v*4))])
		}
		if s := strings.TrimRight(row.String(), " "); s != "" {
			fmt.Printf("%02d %s\n", y, s)
		}
	}
	// Output:
	// 05              ####
	// 06              ####
	// 07              ####
	// 08              ####
	// 09              ####
	// 10              ####
	// 11              ####
	// 12              ####
	// 13              ####
	// 14              ####
	// 15              ####
	// 16              ####
	// 17              ####
	// 18              ####
	// 19              ####
	// 20              ####
	// 21              ####
	// 22              ####
	// 23              ####
	// 24              ####
}
