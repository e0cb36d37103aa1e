/* Template texts of spec/gpc.md Appendix B (TPL-2). Their SHA-256 values are
 * checked by the test program against §17.3. */
static const char TPL_RASTER_GENERATE[] =
"Create one image that matches the structured description below. The description scans the image in raster order: its lines go from the top band to the bottom band of the frame, and each line goes from left to right. Put every element at the stated position, with the stated shape, size, colour and texture; keep the stated layout, light and style. Do not add borders, captions, watermarks or text that the description does not mention.\n"
"\n"
"Description:\n";
static const char TPL_RASTER_GENERATE_REF[] =
"Create one image that matches the attached reference image and the structured description below. The reference image is a small, low-resolution version of the target: keep its composition, the positions and shapes of its regions and its colours, and restore the fine detail, textures and edges that the description gives. The description scans the image in raster order: its lines go from the top band to the bottom band of the frame, and each line goes from left to right. Do not add borders, captions, watermarks or text that neither the reference nor the description shows.\n"
"\n"
"Description:\n";
