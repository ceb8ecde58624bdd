// The parts of ECharts the dashboard draws with, bundled by `make node` (esbuild) from the
// npm package into node_modules/.yiwang/ and served as static/vendor/echarts-dashboard/.
// Add a chart type or component here when a chart needs it; never load the full bundle.
import * as echarts from "echarts/core";
import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);
window.echarts = echarts;
